/** Who is making a request, as authentication established it (docs/auth-rules.md R2.9). */
export interface Identity {
  userId: string;
  userName: string;
  userDomainId: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  /** Roles of the X-Auth-Token, as issued (case kept; the policy compares lower-cased). */
  roles: string[];
  /** Roles of a confirmed X-Service-Token; empty when none was sent. Never merged with `roles` (C15). */
  serviceRoles: string[];
}
