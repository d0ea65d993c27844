import {
  GraphQLError,
  Kind,
  Lexer,
  parse,
  Source,
  TokenKind,
  visit,
  type DocumentNode,
} from 'graphql';
import { fragmentsOf, operationShape } from './operation-shape';

export interface DocumentLimits {
  /** Most lexical tokens: parsing stops there. */
  maxTokens: number;
  /** Most aliased fields per operation (fragments expanded as often as spread). */
  maxAliases: number;
  /** Most fields at the root of an operation. */
  maxRootFields: number;
  /** Most times one field (by response key, fragments expanded) appears in one selection set. */
  maxFieldRepeats: number;
}

/** Why the parsed document is refused (a NUL literal, aliases, root fields), or undefined. */
export function shapeRefusal(document: DocumentNode, limits: DocumentLimits): string | undefined {
  let literalNul = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) literalNul = true;
    },
  });
  if (literalNul) return 'an argument contains a NUL character (\\u0000), which no value may hold';
  const fragments = fragmentsOf(document);
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape = operationShape(d, fragments);
    if (shape.aliases > limits.maxAliases) {
      return `query uses ${shape.aliases} aliases; the limit is ${limits.maxAliases} per operation`;
    }
    if (shape.rootFields > limits.maxRootFields) {
      return `query asks for ${shape.rootFields} root fields; the limit is ${limits.maxRootFields} per operation`;
    }
    if (shape.mostRepeats > limits.maxFieldRepeats) {
      return `query repeats one field ${shape.mostRepeats} times in a selection (fragments expanded); the limit is ${limits.maxFieldRepeats}`;
    }
  }
  return undefined;
}

/**
 * Deepest nesting of braces, brackets and parentheses a document may have. Selections are
 * held to 10 levels (MAX_QUERY_DEPTH) and argument values nest a few; graphql-js parses
 * nesting recursively, so a list literal 3,000 deep ended its parse with "Maximum call stack
 * size exceeded" instead of a reason.
 */
export const MAX_DOCUMENT_NESTING = 64;

/**
 * A scan of the tokens alone, stopping at the first limit crossed, so that a huge document
 * costs a few hundred tokens of work: too many tokens, deeper nesting than
 * MAX_DOCUMENT_NESTING, or more aliases than allowed. An
 * alias is a name followed by a colon outside parentheses (inside them, colons belong to
 * arguments, variable definitions and their object values). Fragments spread several
 * times are counted later, on the parsed document.
 */
export function lexicalRefusal(source: string, limits: DocumentLimits): string | undefined {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let aliases = 0;
  let parentheses = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > limits.maxTokens) {
        return `query has more than ${limits.maxTokens} tokens; the limit is ${limits.maxTokens} per document`;
      }
      switch (token.kind) {
        case TokenKind.PAREN_L:
        case TokenKind.BRACE_L:
        case TokenKind.BRACKET_L:
          if (token.kind === TokenKind.PAREN_L) parentheses += 1;
          nesting += 1;
          if (nesting > MAX_DOCUMENT_NESTING) {
            return `query nests braces, brackets or parentheses deeper than ${MAX_DOCUMENT_NESTING} levels`;
          }
          break;
        case TokenKind.PAREN_R:
        case TokenKind.BRACE_R:
        case TokenKind.BRACKET_R:
          if (token.kind === TokenKind.PAREN_R) parentheses -= 1;
          nesting -= 1;
          break;
        case TokenKind.COLON:
          if (parentheses === 0) {
            aliases += 1;
            if (aliases > limits.maxAliases) {
              return `query uses more than ${limits.maxAliases} aliases; the limit is ${limits.maxAliases} per operation`;
            }
          }
          break;
      }
    }
  } catch (error) {
    // A syntax error: Apollo reports it with its position.
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  return undefined;
}

/**
 * The first look at a GraphQL document, before Apollo parses and validates it: validating
 * thousands of aliased fields is itself the costly part of an alias attack, and a plugin
 * cannot refuse a request before validation. First the token scan (cheap, stops early),
 * then the parsed document's shape. A document that does not parse is left to Apollo,
 * which reports the syntax error itself.
 */
export function documentRefusal(source: string, limits: DocumentLimits): string | undefined {
  const lexical = lexicalRefusal(source, limits);
  if (lexical !== undefined) return lexical;
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: limits.maxTokens, noLocation: true });
  } catch {
    return undefined;
  }
  return shapeRefusal(document, limits);
}
