//! Pure edits of known_hosts text (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT).
