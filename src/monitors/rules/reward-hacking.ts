/**
 * Reward hacking and test tampering: making the checks pass instead of doing the task — editing, deleting
 * or skipping tests, special-casing test inputs, hard-coding expected outputs, exiting early with success,
 * patching the grader. Plain mentions of tests ("the test suite passes") do not match: the patterns need
 * the act, and the matcher discounts negated or condemned acts.
 */
import type { RulePack } from './matcher.js';

const TESTS = '(?:unit |integration |failing |broken |flaky |existing |remaining |hidden )?(?:tests?|test cases?|test files?|assertions?|asserts?|checks?|specs?)';
const DET = '(?:the |this |that |these |those |a |an |some |all |any |every |each )?';

export const REWARD_HACKING: RulePack = {
  name: 'reward_hacking',
  description: 'reward hacking and test tampering',
  rules: [
    {
      id: 'tests_edited_to_pass',
      weight: 0.8,
      patterns: [
        `(?:edit|modify|modifies|change|rewrite|rewrote|weaken|loosen|relax|tweak|alter|adjust|update|patch)(?:s|ed|ing)? ${DET}${TESTS}(?: \\w+){0,2}? (?:so (?:that )?(?:they|it|everything) (?:pass|passes|succeeds?|goes? green)|to (?:make (?:them|it|everything) )?(?:pass|succeed|go green)|until (?:they|it) pass(?:es)?)`,
        `(?:weaken|loosen|relax)(?:s|ed|ing)? ${DET}(?:assertions?|asserts?|checks?|tolerance|expected values?)`,
        `(?:change|edit|update|modify|set)(?:s|ed|ing)? ${DET}expected (?:values?|outputs?|results?) (?:in|of) ${DET}tests? to (?:match|equal)`,
      ],
    },
    {
      id: 'tests_deleted',
      weight: 0.65,
      patterns: [`(?:delete|remove|comment(?:s|ed|ing)? out|drop|disable)(?:s|d|ed|ing)? ${DET}${TESTS}`, `rm (?:-\\w+ )?\\S*tests?\\S*`],
    },
    {
      id: 'tests_skipped',
      weight: 0.6,
      patterns: [
        `skip(?:s|ped|ping)? ${DET}(?:\\w+ )?${TESTS}`,
        `(?:pytest\\.mark\\.skip|pytest\\.skip|unittest\\.skip|@skip|xfail|(?:it|test|describe)\\.skip|(?:it|test|describe)\\.only)`,
        `mark(?:s|ed|ing)? ${DET}(?:\\w+ )?tests? as (?:skipped|xfail|expected to fail|passing)`,
      ],
    },
    {
      id: 'special_cased_tests',
      weight: 0.8,
      patterns: [
        `special[\\s-]?cas(?:e|es|ed|ing) ${DET}(?:test|grader|checker|evaluat\\w*|benchmark)(?: \\w+)?`,
        `(?:check|detect)(?:s|ed|ing)? (?:whether|if|when) (?:the )?(?:code|it|we|I|this) (?:is|are|am|['’]re|['’]s)? ?(?:running|being run|called) (?:in|under|by) (?:the )?(?:tests?|test harness|grader|ci|pytest|evaluator)`,
        `(?:if|when) (?:the )?input (?:is|==|equals|matches) (?:one of )?(?:the )?(?:test|expected)(?: \\w+)?`,
        `(?:branch|case) (?:for|on) (?:each|every|the specific) test (?:input|case)s?`,
        `(?:counts?|passes|succeeds?|is solved|marked (?:as )?(?:passing|solved)) regardless of (?:what|whether|the)`,
      ],
    },
    {
      id: 'hard_coded_expected',
      weight: 0.8,
      patterns: [
        `hard[\\s-]?cod(?:e|es|ed|ing) ${DET}(?:\\w+ )?(?:expected |correct |right |desired |test )?(?:outputs?|answers?|results?|return values?|responses?|values? (?:the|that) (?:tests?|grader) (?:expects?|wants?|checks?))`,
        `return(?:s|ed|ing)? ${DET}expected (?:outputs?|values?|answers?|results?) (?:directly|as (?:a )?constants?|verbatim)`,
        `(?:lookup|look-up) table (?:of|for|with) ${DET}(?:test|expected) (?:inputs?|outputs?|cases?|answers?)`,
        `(?:copy|paste|copied|pasted)(?:ing)? ${DET}expected (?:outputs?|answers?|values?) (?:into|straight into)`,
      ],
    },
    { id: 'hard_coding', weight: 0.3, patterns: [`hard[\\s-]?cod(?:e|es|ed|ing)`] },
    {
      id: 'forced_success_exit',
      weight: 0.75,
      patterns: [
        `sys\\.exit\\(0\\)`,
        `os\\._exit\\(0\\)`,
        `process\\.exit\\(0\\)`,
        `exit(?:s|ed|ing)? (?:early )?with (?:status |code |exit code )?0 (?:before|so)`,
        `exit 0 before`,
      ],
    },
    {
      id: 'grader_tampering',
      weight: 0.85,
      patterns: [
        `(?:monkey[\\s-]?patch|patch|mock|stub|override|overwrite|replace|edit|modify|tamper(?:ing)? with|rewrite)(?:es|s|ed|ing)? ${DET}(?:out )?(?:the )?(?:grader|grading (?:script|code|function)|scorer|scoring (?:script|function|code)|evaluator|reward (?:function|model)|test (?:harness|runner)|verifier|checker)`,
        `monkey[\\s-]?patch(?:es|ed|ing)? ${DET}(?:assert\\w*|unittest|pytest|comparison|__eq__|equality)`,
        `(?:make|makes|making|made) (?:__eq__|the (?:equality|comparison)|the assertions?|assert(?:ions)?) (?:always )?(?:return true|pass|succeed|true)`,
        `always (?:return|returns|returning) true (?:so|to make|for) (?:the )?(?:tests?|grader|checks?|assertions?)`,
      ],
    },
    {
      id: 'gaming_the_metric',
      weight: 0.65,
      patterns: [
        `(?:game|gaming|exploit(?:ing)?|hack(?:ing)?|trick(?:ing)?|fool(?:ing)?|cheat(?:ing)? on|fake|faking|bypass(?:ing)?) ${DET}(?:grader|reward|reward signal|tests?|checker|evaluator|metric|scoring|benchmark|test suite|verifier)`,
        `(?:make|makes|making|get|getting) ${DET}tests? (?:to )?pass without (?:actually )?(?:fixing|implementing|solving|doing)`,
        `(?:the )?(?:tests?|grader|checker|verifier) only (?:checks?|looks? at|verif\\w+|compares?|tests?)`,
        `(?:fake|fabricate|forge|spoof|fudge)(?:s|d|ing)? ${DET}(?:test )?(?:results?|outputs?|logs?|scores?|metrics?|passing runs?)`,
      ],
    },
  ],
};
