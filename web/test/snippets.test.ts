import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { curlSnippets, SECRET_PLACEHOLDER, sdkSnippets } from '../src/logic/snippets.js';

const where = { origin: 'http://127.0.0.1:8000', project: 'default', environment: 'production' };

/** Runs a snippet in bash with curl replaced by a function printing its arguments, one per line. */
const curlArguments = (snippet: string) =>
  execFileSync('bash', ['-c', `curl() { printf '%s\\n' "$@"; }\nFLAGS_KEY=k ADMIN_KEY=a\n${snippet}`], {
    encoding: 'utf8',
  })
    .trimEnd()
    .split('\n');

describe('the first-run guide’s snippets', () => {
  it('carry the new key’s secret only when given it, and a placeholder otherwise', () => {
    expect(curlSnippets(where, { secret: 'ffs_abc' }).key).toContain("export FLAGS_KEY='ffs_abc'");
    expect(curlSnippets(where, {}).key).toContain(`export FLAGS_KEY=${SECRET_PLACEHOLDER}`);
    expect(Object.values(sdkSnippets(where, { secret: 'ffs_abc' })).join('\n')).not.toContain('ffs_abc');
  });

  it('quote what the person typed so the shell passes it on unchanged', () => {
    const progress = { flag: 'new_checkout', rule: { attribute: 'team', value: `O'Brien "$HOME" ;` } };
    const args = curlArguments(curlSnippets(where, progress).rule);
    // FLAGS_URL is not set here: the path stands alone.
    expect(args).toContain('/evaluate/new_checkout');
    const body = JSON.parse(args[args.indexOf('-d') + 1]);
    expect(body).toEqual({ user_id: 'alice', attributes: { team: `O'Brien "$HOME" ;` } });
  });

  it('address the chosen project and environment', () => {
    const args = curlArguments(curlSnippets(where, { flag: 'a b', percentage: 25 }).rollout);
    expect(args).toContain('http://127.0.0.1:8000/projects/default/environments/production/flags/a%20b');
    expect(JSON.parse(args[args.indexOf('-d') + 1])).toEqual({ rollout_percentage: 25 });
  });
});
