/**
 * Identity mode `keystone`: S3 keys are Keystone's EC2 credentials and Keystone checks the
 * signatures (Swift's s3token; src/identity/keystone/s3-tokens.ts). The token body Keystone answers
 * (user, project, roles) becomes the request's identity: the roles of that user on the key's
 * project, no service token, so the same policy as any Swift request decides, on `AUTH_<project>`
 * only. Keystone's answers as S3 errors:
 * - unknown access key → InvalidAccessKeyId (as AWS; s3api says SignatureDoesNotMatch for every
 *   refusal, because s3token turns every Keystone error into one 401);
 * - signature refused → SignatureDoesNotMatch (s3api's mapping of s3token's 401);
 * - Keystone unreachable, failing or refusing Swiftlet itself → 503 ServiceUnavailable, never a
 *   denial (s3token answers 400 InvalidURI there) and never a grant.
 * s3token's `access:tenant` form (acting on another project's account) is not taken: an S3 request
 * acts on its own project's account only; such a key is simply unknown to Keystone.
 */
import type { Identity } from '../auth/identity.js';
import { isSwiftError } from '../http/errors.js';
import type { S3TokenAnswer, S3SignedCredentials } from '../identity/keystone/s3-tokens.js';
import type { TokenPayload } from '../identity/tokens.js';
import { signatureDoesNotMatch, type S3Authority } from './authority.js';
import { S3Error } from './errors.js';

export interface S3TokenChecker {
  check(c: S3SignedCredentials): Promise<S3TokenAnswer>;
}

function identityOf(p: TokenPayload): Identity {
  const identity: Identity = { userId: p.userId, userName: p.userName, userDomainId: p.userDomainId, roles: p.roles, serviceRoles: [] };
  if (p.projectId !== undefined) identity.projectId = p.projectId;
  if (p.projectName !== undefined) identity.projectName = p.projectName;
  if (p.projectDomainId !== undefined) identity.projectDomainId = p.projectDomainId;
  return identity;
}

export function keystoneAuthority(keystone: S3TokenChecker): S3Authority {
  return async (signed) => {
    // Keystone compares V4 signatures as lower-case hex, exactly.
    const signature = signed.version === 4 ? signed.signature.toLowerCase() : signed.signature;
    // V4 may have two strings to sign (the path as S3 encodes it, and as sent): the second is asked
    // only when Keystone refused the first.
    for (const stringToSign of signed.stringsToSign) {
      let answer: S3TokenAnswer;
      try {
        answer = await keystone.check({ access: signed.accessKey, stringToSign, signature });
      } catch (err) {
        if (isSwiftError(err) && err.status === 503) {
          throw new S3Error('ServiceUnavailable', 'The identity service cannot check the signature now. Please try again.');
        }
        throw err;
      }
      if (answer.ok) return { identity: identityOf(answer.payload) };
      if (answer.refused === 'unknown-key') throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: signed.accessKey });
    }
    throw signatureDoesNotMatch(signed);
  };
}
