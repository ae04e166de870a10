import { describe, expect, it } from 'vitest';
import { AlertingConfigError, DEFAULT_ALERTING_CONFIG, DEFAULT_MIN_INTERVAL_MS, DEFAULT_RETRY, parseAlertingConfig } from './config.js';

function error(raw: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseAlertingConfig(raw, env);
  } catch (err) {
    expect(err).toBeInstanceOf(AlertingConfigError);
    return (err as Error).message;
  }
  throw new Error('expected an AlertingConfigError');
}

describe('parseAlertingConfig', () => {
  it('reads a full section, with url_env and headers_env from the environment', () => {
    const c = parseAlertingConfig(
      {
        external_url: 'https://strata.example.com/',
        dead_letter_dir: '/var/lib/strata/alerting',
        retry: { attempts: 3, backoff: '500ms', max_backoff: '10s' },
        timeout: '2s',
        queue_size: 50,
        flap_window: '45s',
        resend_interval: '30s',
        receivers: [
          { name: 'ops', type: 'webhook', url: 'http://hooks.local/strata', headers: { 'X-Team': 'ml' }, changes: ['resolve', 'open'], min_interval: '5m' },
          { name: 'chat', type: 'slack', url_env: 'SLACK_URL', headers_env: { Authorization: 'SLACK_TOKEN' }, retry: { attempts: 1 }, timeout: '1s' },
          { name: 'am', type: 'alertmanager', url: 'http://am:9093' },
        ],
      },
      { SLACK_URL: 'https://hooks.slack.com/services/T/B/X', SLACK_TOKEN: 'Bearer s3cret' },
    );
    expect(c.externalUrl).toBe('https://strata.example.com');
    expect(c.deadLetterDir).toBe('/var/lib/strata/alerting');
    expect(c).toMatchObject({ queueSize: 50, flapWindowMs: 45_000, resendIntervalMs: 30_000 });
    expect(c.receivers[0]).toEqual({
      name: 'ops',
      type: 'webhook',
      url: 'http://hooks.local/strata',
      headers: { 'X-Team': 'ml' },
      changes: ['open', 'resolve'],
      minIntervalMs: 300_000,
      retry: { attempts: 3, backoffMs: 500, maxBackoffMs: 10_000 },
      timeoutMs: 2000,
    });
    expect(c.receivers[1]).toMatchObject({ url: 'https://hooks.slack.com/services/T/B/X', headers: { Authorization: 'Bearer s3cret' }, retry: { attempts: 1, backoffMs: 500, maxBackoffMs: 10_000 }, timeoutMs: 1000 });
    expect(c.receivers[2]).toMatchObject({ type: 'alertmanager', changes: ['open', 'update', 'resolve'], minIntervalMs: DEFAULT_MIN_INTERVAL_MS, retry: { attempts: 3 } });
  });

  it('uses the defaults when the section is absent, and for settings left out', () => {
    expect(parseAlertingConfig(undefined)).toBe(DEFAULT_ALERTING_CONFIG);
    expect(parseAlertingConfig(null)).toBe(DEFAULT_ALERTING_CONFIG);
    const c = parseAlertingConfig({ receivers: [{ name: 'x', type: 'webhook', url: 'http://h/' }], retry: { backoff: '2m' } });
    expect(c.receivers[0].retry).toEqual({ attempts: DEFAULT_RETRY.attempts, backoffMs: 120_000, maxBackoffMs: 120_000 });
    expect(c.externalUrl).toBeNull();
    expect(parseAlertingConfig({ flap_window: 0 }).flapWindowMs).toBe(0);
  });

  it('names the field in every error', () => {
    expect(error({ receivers: [{ name: 'ops', type: 'webhook', url_env: 'OPS_URL' }] })).toBe('alerting.receivers[0].url_env: the environment variable OPS_URL is not set');
    expect(error({ receivers: [{ name: 'ops', type: 'pager', url: 'http://h' }] })).toMatch(/^alerting\.receivers\[0\]\.type: expected one of webhook, slack, alertmanager, got "pager"/);
    expect(error({ receivers: [{ name: 'ops', type: 'slack' }] })).toBe('alerting.receivers[0].url: required (or url_env)');
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'http://a', url_env: 'B' }] })).toBe('alerting.receivers[0]: give url or url_env, not both');
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'ftp://a' }] })).toMatch(/^alerting\.receivers\[0\]\.url: expected an http\(s\) URL/);
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'http://a', min_interval: 'soon' }] })).toMatch(/^alerting\.receivers\[0\]\.min_interval: expected a duration/);
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'http://a', changes: ['open', 'close'] }] })).toMatch(/^alerting\.receivers\[0\]\.changes\[1\]: expected one of open, update, resolve/);
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'http://a', colour: 'red' }] })).toMatch(/^alerting\.receivers\[0\]\.colour: unknown setting/);
    expect(error({ receivers: [{ name: 'ops', type: 'slack', url: 'http://a', headers: { 'Bad Header': 'x' } }] })).toBe('alerting.receivers[0].headers.Bad Header: not a valid header name');
    expect(error({ receivers: [{ name: 'a', type: 'slack', url: 'http://a' }, { name: 'a', type: 'webhook', url: 'http://b' }] })).toBe('alerting.receivers[1].name: "a" is used by an earlier receiver');
    expect(error({ retry: { attempts: 0 } })).toBe('alerting.retry.attempts: expected an integer of 1 or more, got 0');
    expect(error({ retry: { backoff: '10s', max_backoff: '1s' } })).toBe('alerting.retry.max_backoff: must not be shorter than backoff (10000 ms), got 1000 ms');
    expect(error({ queue_size: -1 })).toBe('alerting.queue_size: expected an integer of 1 or more, got -1');
    expect(error({ receivers: {} })).toMatch(/^alerting\.receivers: expected a list/);
    expect(error('yes')).toMatch(/^alerting: expected a mapping/);
  });
});
