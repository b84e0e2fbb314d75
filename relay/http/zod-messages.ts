import { z } from '@hono/zod-openapi';

/**
 * Human sentences for zod issues, in the tone of the platform's API
 * (`"email": ["Enter a valid email."]`). Installed once, globally, by relay/app.ts.
 */
export function installZodMessages(): void {
  z.config({
    customError: (issue) => {
      switch (issue.code) {
        case 'invalid_type':
          if (issue.input === undefined) return 'This field is required.';
          if (issue.input === null) return 'This field may not be null.';
          if (Number.isNaN(issue.input)) return 'Enter a valid number.';
          return `Expected ${issue.expected}, received ${describe(issue.input)}.`;
        case 'invalid_format':
          if (issue.format === 'email') return 'Enter a valid email.';
          if (issue.format === 'url') return 'Enter a valid URL.';
          return `Enter a valid ${issue.format}.`;
        case 'too_small':
          if (issue.origin === 'string')
            return issue.minimum === 1
              ? 'This field may not be blank.'
              : `Ensure this field has at least ${issue.minimum} characters.`;
          if (issue.origin === 'array')
            return `Ensure this list has at least ${issue.minimum} items.`;
          return `Ensure this value is greater than or equal to ${issue.minimum}.`;
        case 'too_big':
          if (issue.origin === 'string')
            return `Ensure this field has no more than ${issue.maximum} characters.`;
          if (issue.origin === 'array')
            return `Ensure this list has no more than ${issue.maximum} items.`;
          return `Ensure this value is less than or equal to ${issue.maximum}.`;
        case 'invalid_value':
          return `Must be one of: ${issue.values.map((v) => String(v)).join(', ')}.`;
        case 'invalid_union':
          return 'This value has none of the accepted forms.';
        case 'unrecognized_keys':
          return `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`;
        default:
          return undefined;
      }
    },
  });
}

const describe = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
