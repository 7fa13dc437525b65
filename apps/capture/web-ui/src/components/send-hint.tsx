// An empty inbox says how to fill it: this instance's SMTP host and port, and a swaks line to paste.
import type { InstanceInfo } from '../api-client';
import { useSession } from '../session';
import { useAsync } from '../use-async';
import { CopyButton } from './copy-button';

/** AUTH is only offered inside TLS, so a line that signs in asks for STARTTLS (swaks does not check the certificate). */
export function swaksLine(email: string, host: string, instance: InstanceInfo, user: string): string {
  const auth = instance.smtpAuth === 'required' ? ` --tls --auth-user ${user} --auth-password "$CAPTUREBOX_API_KEY"` : '';
  return `swaks --server ${host} --port ${instance.smtpPort} --to ${email} --from test@example.com --header "Subject: Hello"${auth}`;
}

export function SendHint({ email }: { email: string }) {
  const { api, account } = useSession();
  const instance = useAsync(() => api.instance(), [api]);
  const host = location.hostname;
  if (!instance.value) return <p>Send something to <strong>{email}</strong>: it shows up here by itself, no reload needed.</p>;
  const line = swaksLine(email, host, instance.value, account?._id ?? 'admin');
  return (
    <div class="send-hint">
      <p>
        Send mail to <strong>{email}</strong> through SMTP at <strong>{host}</strong>, port <strong>{instance.value.smtpPort}</strong>
        {instance.value.smtpAuth === 'required' ? ', signed in with your user name and an API key as the password' : ''}. It shows up here by itself, no
        reload needed. For example:
      </p>
      <div class="send-hint__command">
        <pre class="code-block" aria-label="A swaks command that sends a test message here">{line}</pre>
        <CopyButton value={line} label="Copy command" />
      </div>
    </div>
  );
}
