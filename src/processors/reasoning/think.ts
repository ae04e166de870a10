/**
 * Reasoning written inline as `<think>…</think>` (DeepSeek-R1, Qwen3 and others when the server
 * does not separate it). Some servers drop the opening tag because the chat template opened it:
 * text before a lone `</think>` is reasoning too. An unclosed `<think>` runs to the end.
 */
export function splitThink(text: string): { reasoning: string; answer: string } {
  if (!text.includes('<think>') && !text.includes('</think>')) return { reasoning: '', answer: text };
  const reasoning: string[] = [];
  let answer = '';
  let rest = text;
  const firstOpen = rest.indexOf('<think>');
  const firstClose = rest.indexOf('</think>');
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    reasoning.push(rest.slice(0, firstClose));
    rest = rest.slice(firstClose + '</think>'.length);
  }
  for (;;) {
    const open = rest.indexOf('<think>');
    if (open < 0) {
      answer += rest;
      break;
    }
    answer += rest.slice(0, open);
    const close = rest.indexOf('</think>', open);
    if (close < 0) {
      reasoning.push(rest.slice(open + '<think>'.length));
      break;
    }
    reasoning.push(rest.slice(open + '<think>'.length, close));
    rest = rest.slice(close + '</think>'.length);
  }
  return { reasoning: reasoning.map((r) => r.trim()).filter(Boolean).join('\n'), answer: answer.trim() };
}
