package dev.protostar.backend.account;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * An optional first admin, created at startup (see AdminBootstrap). The
 * default path is the setup link {@code protostar up} prints instead, so that
 * no password sits in {@code .env}. Both or neither: startup fails naming the
 * missing variable.
 *
 * @param email env {@code PROTOSTAR_ADMIN_EMAIL}; created as ADMIN when no
 * account has it; an existing account that the bootstrap did not create is
 * never promoted (the start is refused)
 * @param password env {@code PROTOSTAR_ADMIN_PASSWORD}; only used to create
 * the account, never to overwrite the password of an existing one
 */
@ConfigurationProperties("protostar.admin")
record AdminBootstrapProperties(String email, String password) {

	AdminBootstrapProperties {
		boolean hasEmail = email != null && !email.isBlank();
		boolean hasPassword = password != null && !password.isBlank();
		if (hasEmail && !hasPassword) {
			throw new IllegalArgumentException(
					"PROTOSTAR_ADMIN_PASSWORD must be set when PROTOSTAR_ADMIN_EMAIL is (set both or neither)");
		}
		if (hasPassword && !hasEmail) {
			throw new IllegalArgumentException(
					"PROTOSTAR_ADMIN_EMAIL must be set when PROTOSTAR_ADMIN_PASSWORD is (set both or neither)");
		}
		if (hasPassword && (password.length() < AccountRequests.PASSWORD_MIN
				|| password.length() > AccountRequests.PASSWORD_MAX)) {
			throw new IllegalArgumentException("PROTOSTAR_ADMIN_PASSWORD must be " + AccountRequests.PASSWORD_MIN
					+ " to " + AccountRequests.PASSWORD_MAX + " characters");
		}
		if (hasEmail && !email.contains("@")) {
			throw new IllegalArgumentException("PROTOSTAR_ADMIN_EMAIL must be an email address");
		}
		email = hasEmail ? AccountRequests.normaliseEmail(email) : null;
		password = hasPassword ? password : null;
	}

	boolean configured() {
		return this.email != null;
	}

	@Override
	public String toString() {
		return "AdminBootstrapProperties[email=" + this.email + ", password=***]";
	}

}
