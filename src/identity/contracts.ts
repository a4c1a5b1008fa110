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

export interface IdentityStore {
  getProject(id: string): Promise<Project | undefined>;
  findProject(name: string, domainId: string): Promise<Project | undefined>;
  createProject(project: Project): Promise<void>;
  listProjects(): Promise<Project[]>;

  getUser(id: string): Promise<User | undefined>;
  findUser(name: string, domainId: string): Promise<User | undefined>;
  createUser(user: User, passwordHash: string): Promise<void>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  passwordHash(userId: string): Promise<string | undefined>;
  listUsers(): Promise<User[]>;

  findRole(name: string): Promise<Role | undefined>;
  createRole(role: Role): Promise<void>;
  listRoles(): Promise<Role[]>;
  assignRole(userId: string, projectId: string, roleId: string): Promise<void>;
  /** Role names the user holds on the project. */
  rolesOn(userId: string, projectId: string): Promise<string[]>;

  /** Token encryption keys, newest last. */
  tokenKeys(): Promise<{ id: number; key: Buffer; createdAt: number }[]>;
  addTokenKey(key: Buffer, createdAt: number): Promise<void>;
  deleteTokenKeysBefore(createdAt: number): Promise<void>;
}
