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
 * Creates the admin account of {@code PROTOSTAR_ADMIN_EMAIL} when it is missing,
 * at startup, before the application reports ready. The rule (compose/README.md,
 * "The first administrator"):
 * <ul>
 * <li>no account with that address: created as ADMIN, marked as the bootstrap's
 * own ({@code created_by_bootstrap});</li>
 * <li>an ADMIN with that address: left alone (a restart, the other colour, or an
 * install from before the mark);</li>
 * <li>the bootstrap's own account, no longer ADMIN: an operator demoted it, and
 * it stays demoted; nothing is promoted at a deploy;</li>
 * <li>any other account with that address: somebody registered it first, and
 * promoting it would hand them the installation; the start is refused, naming
 * the setting ({@link AdminEmailTakenException}).</li>
 * </ul>
 * Safe when both colours start at once: the second insert hits the unique
 * e-mail, and the row it then finds is the first one's, marked as the bootstrap's.
 */
@Component
class AdminBootstrap implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(AdminBootstrap.class);

	private final AdminBootstrapProperties properties;

	private final UserRepository users;

	private final PasswordEncoder passwords;

	private final Clock clock;

	AdminBootstrap(AdminBootstrapProperties properties, UserRepository users, PasswordEncoder passwords,
			Clock clock) {
		this.properties = properties;
		this.users = users;
		this.passwords = passwords;
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
				this.users.insert(User.createByBootstrap(this.properties.email(),
						this.passwords.encode(this.properties.password()), now));
				logger.info("Created the admin account from PROTOSTAR_ADMIN_EMAIL");
				return;
			}
			catch (DuplicateKeyException ex) {
				// The other colour created it a moment ago, or somebody signed up
				// with the address just now: the row below tells which.
			}
		}
		User user = this.users.findByEmail(this.properties.email()).orElseThrow();
		if (user.tier() == Tier.ADMIN) {
			return;
		}
		if (user.createdByBootstrap()) {
			logger.info("The account of PROTOSTAR_ADMIN_EMAIL was demoted to " + user.tier()
					+ " by an admin and stays so; promote it through the API if that was a mistake");
			return;
		}
		throw new AdminEmailTakenException();
	}

}
