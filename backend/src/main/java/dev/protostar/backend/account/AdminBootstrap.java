package dev.protostar.backend.account;

import java.time.Clock;
import java.time.Instant;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

import dev.protostar.backend.tier.Tier;

/**
 * Makes sure the account of {@code PROTOSTAR_ADMIN_EMAIL} exists and is an
 * admin, at every startup: idempotent, and safe when both backend colours
 * start at once (the second insert hits the unique email and turns into the
 * same promotion). Runs before the application reports ready.
 */
@Component
class AdminBootstrap implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(AdminBootstrap.class);

	private final AdminBootstrapProperties properties;

	private final UserRepository users;

	private final PasswordEncoder passwords;

	private final AccessChanges access;

	private final Clock clock;

	AdminBootstrap(AdminBootstrapProperties properties, UserRepository users, PasswordEncoder passwords,
			AccessChanges access, Clock clock) {
		this.properties = properties;
		this.users = users;
		this.passwords = passwords;
		this.access = access;
		this.clock = clock;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (!this.properties.configured()) {
			return;
		}
		Instant now = this.clock.instant();
		if (this.users.findByEmail(this.properties.email()).isEmpty()) {
			try {
				this.users.insert(User.create(this.properties.email(), this.passwords.encode(this.properties.password()),
						"Admin", Tier.ADMIN, true, now));
				logger.info("Created the admin account from PROTOSTAR_ADMIN_EMAIL");
				return;
			}
			catch (DuplicateKeyException ex) {
				// The other colour created it a moment ago.
			}
		}
		User user = this.users.findByEmail(this.properties.email()).orElseThrow();
		if (user.tier() != Tier.ADMIN) {
			User admin = this.users.updateTier(user.id(), Tier.ADMIN, true, now).orElseThrow();
			try {
				this.access.changed(admin);
			}
			catch (RuntimeException ex) {
				// Redis is not needed to start; the stale copy expires by itself.
				logger.warn("Could not update the cached tier of the admin account: " + ex.getMessage());
			}
			logger.info("Made the account of PROTOSTAR_ADMIN_EMAIL an admin again (was " + user.tier() + ")");
		}
	}

}
