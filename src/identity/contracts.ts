/** The built-in identity model (a Keystone v3 subset): projects, users, roles and assignments. */

export interface Project {
  id: string;
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  defaultProjectId?: string;
  enabled: boolean;
}

export interface Role {
  id: string;
  name: string;
}

export interface RoleAssignment {
  userId: string;
  projectId: string;
  roleId: string;
}

export interface IdentityStore {
  getProject(id: string): Promise<Project | undefined>;
  findProject(name: string, domainId: string): Promise<Project | undefined>;
  createProject(project: Project): Promise<void>;
  listProjects(): Promise<Project[]>;
  updateProject(project: Project): Promise<void>;
  deleteProject(id: string): Promise<boolean>;

  getUser(id: string): Promise<User | undefined>;
  findUser(name: string, domainId: string): Promise<User | undefined>;
  createUser(user: User, passwordHash: string): Promise<void>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  passwordHash(userId: string): Promise<string | undefined>;
  listUsers(): Promise<User[]>;
  updateUser(user: User): Promise<void>;
  deleteUser(id: string): Promise<boolean>;

  findRole(name: string): Promise<Role | undefined>;
  createRole(role: Role): Promise<void>;
  listRoles(): Promise<Role[]>;
  getRole(id: string): Promise<Role | undefined>;
  deleteRole(id: string): Promise<boolean>;
  assignRole(userId: string, projectId: string, roleId: string): Promise<void>;
  unassignRole(userId: string, projectId: string, roleId: string): Promise<boolean>;
  listAssignments(filter: Partial<RoleAssignment>): Promise<RoleAssignment[]>;
  /** Role names the user holds on the project. */
  rolesOn(userId: string, projectId: string): Promise<string[]>;

  /** Token encryption keys, newest last. */
  tokenKeys(): Promise<{ id: number; key: Buffer; createdAt: number }[]>;
  addTokenKey(key: Buffer, createdAt: number): Promise<void>;
  deleteTokenKeysBefore(createdAt: number): Promise<void>;
  /**
   * Stores a key under its own id (`swiftlet migrate`: tokens name their key by id, so the id must
   * survive the move). Returns 'added', 'present' (same id, same key) or 'conflict' (same id, other key).
   */
  importTokenKey(k: { id: number; key: Buffer; createdAt: number }): Promise<'added' | 'present' | 'conflict'>;

  /** Records a revoked token (by audit id) until `expiresAt`, when it would have expired anyway. */
  revokeToken(auditId: string, expiresAt: number): Promise<void>;
  /** Revocations recorded after `afterId` (every node polls this), and the newest id. */
  revocationsSince(afterId: number): Promise<{ id: number; auditId: string; expiresAt: number }[]>;
  purgeRevocations(now: number): Promise<void>;
}
