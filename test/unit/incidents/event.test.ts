import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ValidationError } from '../../../shared/errors.js';
import { parseIncidentEvent } from '../../../shared/incidents/event.js';
import { formatZodIssues, parseJsonBody, parseWithSchema } from '../../../shared/validation/parse.js';
import { thrown } from './helpers.js';

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"a":[1,"b"]}')).toEqual({ a: [1, 'b'] });
  });

  it('rejects empty and invalid bodies with a 400 naming the document', () => {
    expect(() => parseJsonBody('  ')).toThrow('request body is empty');
    const err = thrown(() => parseJsonBody('{oops}', 'test body'));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).statusCode).toBe(400);
    expect((err as Error).message).toMatch(/^test body is not valid JSON: .+/);
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('formatZodIssues', () => {
  it('joins path: message, with array indexes in brackets and (root) for the top level', () => {
    const error = {
      issues: [
        { code: 'custom', path: ['a', 0, 'b'], message: 'bad' },
        { code: 'custom', path: [], message: 'worse' },
      ] as z.core.$ZodIssue[],
    };
    expect(formatZodIssues(error)).toBe('a[0].b: bad; (root): worse');
  });

  it('caps the number of reported issues', () => {
    const issues = Array.from({ length: 12 }, (_, i) => ({ code: 'custom', path: [`f${i}`], message: 'x' }));
    expect(formatZodIssues({ issues: issues as z.core.$ZodIssue[] })).toMatch(/f9: x; \(\+2 more\)$/);
  });
});

describe('parseWithSchema', () => {
  it('returns typed output and puts the issues in details on failure', () => {
    const schema = z.object({ n: z.number() });
    expect(parseWithSchema(schema, { n: 1 }, 'thing')).toEqual({ n: 1 });
    const err = thrown(() => parseWithSchema(schema, { n: 'one' }, 'thing')) as ValidationError;
    expect(err.message).toBe('invalid thing: n: expected number, got string');
    expect(err.details).toEqual({ issues: [{ path: 'n', message: 'expected number, got string' }] });
  });

  it("keeps a schema's own custom message", () => {
    const schema = z.string().check(z.refine((s) => s.startsWith('P'), 'must be a PagerDuty id'));
    expect(() => parseWithSchema(schema, 'Q1', 'id')).toThrow('invalid id: (root): must be a PagerDuty id');
  });
});

describe('parseIncidentEvent', () => {
  const valid = {
    source: 'pagerduty',
    eventId: 'e1',
    incidentId: 'i1',
    action: 'opened',
    eventType: 'incident.triggered',
    userEmails: ['alice@corp.example'],
  };

  it('accepts a normalised event', () => {
    expect(parseIncidentEvent(valid)).toEqual(valid);
  });

  it('rejects a malformed one with a clear message', () => {
    expect(() => parseIncidentEvent({ ...valid, source: 'Nagios!', userEmails: ['x'], link: 'ftp://x' })).toThrow(
      'invalid incident event: source: must be a source name (lower-case letters and digits); ' +
        'userEmails[0]: invalid email address; ' +
        'link: invalid http(s) URL',
    );
  });
});
