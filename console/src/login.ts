/** The login form: user name, password, optional project and domain, through `POST /v3/auth/tokens`. */
import { login, type ConsoleSettings, type Session } from './api.js';
import { el, field, status } from './dom.js';

export function loginView(settings: ConsoleSettings, onLogin: (session: Session) => void): HTMLElement {
  const user = field('User name', 'username', { autocomplete: 'username', required: 'true' });
  const password = field('Password', 'password', { type: 'password', autocomplete: 'current-password', required: 'true' });
  const project = field('Project (optional)', 'project', { placeholder: "the user's default project" });
  const domain = field('Domain', 'domain', { value: 'Default' });
  const submit = el('button', { type: 'submit', id: 'login-submit' }, 'Log in');
  const form = el('form', { id: 'login-form', class: 'card' }, el('h2', {}, 'Log in'), user.row, password.row, project.row, domain.row, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    status('Logging in…');
    login(settings.identityUrl, settings.accountPrefix, user.input.value, password.input.value, project.input.value.trim(), domain.input.value.trim() || 'Default')
      .then((session) => {
        // The password is not kept anywhere, not even in the form.
        password.input.value = '';
        status(`Logged in as ${session.userName} on ${session.projectName}.`);
        onLogin(session);
      })
      .catch((err: unknown) => status(err instanceof Error ? err.message : String(err), true))
      .finally(() => { submit.disabled = false; });
  });
  return form;
}
