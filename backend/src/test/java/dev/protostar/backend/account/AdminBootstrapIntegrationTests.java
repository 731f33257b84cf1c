package dev.protostar.backend.account;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bootstrap admin of {@code PROTOSTAR_ADMIN_EMAIL} cannot be taken over:
 * an account somebody else registered with the address is never promoted, and
 * the start is refused saying what to do.
 */
class AdminBootstrapIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private UserRepository users;

	@Autowired
	private PasswordEncoder passwords;

	@Autowired
	private Clock clock;

	@Test
	void anAccountSomebodyElseRegisteredIsNotPromotedAndTheStartIsRefused() throws Exception {
		String email = uniqueEmail();
		signup(email, "Squatter");

		assertThatThrownBy(() -> bootstrapFor(email).run(null)).isInstanceOf(AdminEmailTakenException.class)
			.hasMessageContaining("PROTOSTAR_ADMIN_EMAIL");

		assertThat(tierOf(email)).isEqualTo("GUEST");
	}

	@Test
	void theRefusalNamesTheSettingAndWhatToDo() {
		FailureAnalysis analysis = new AdminEmailTakenFailureAnalyzer().analyze(new AdminEmailTakenException());

		assertThat(analysis.getDescription()).contains("PROTOSTAR_ADMIN_EMAIL");
		assertThat(analysis.getAction()).contains("PROTOSTAR_ADMIN_EMAIL", "setup link", "protostar admin reset-link");
	}

	@Test
	void aBackendConfiguredWithATakenAddressDoesNotStart() throws Exception {
		String email = uniqueEmail();
		signup(email, "Squatter");

		assertThatThrownBy(() -> startInstance("green", "protostar.admin.email=" + email,
				"protostar.admin.password=" + ADMIN_PASSWORD))
			.isInstanceOf(AdminEmailTakenException.class);
		assertThat(tierOf(email)).isEqualTo("GUEST");
	}

	@Test
	void anAdminFromBeforeTheMarkIsLeftAlone() {
		String email = uniqueEmail();
		this.jdbc.update("""
				INSERT INTO users (id, email, password_hash, display_name, tier, tier_locked)
				VALUES (?, ?, 'x', 'Old admin', 'ADMIN', true)""", UUID.randomUUID(), email);

		bootstrapFor(email).run(null);

		assertThat(tierOf(email)).isEqualTo("ADMIN");
	}

	@Test
	void bothColoursStartingAtOnceCreateOneAdminAndBothStart() throws Exception {
		String email = uniqueEmail();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<?>> runs = new ArrayList<>();
		try (ExecutorService colours = Executors.newFixedThreadPool(2)) {
			for (int i = 0; i < 2; i++) {
				AdminBootstrap bootstrap = bootstrapFor(email);
				runs.add(colours.submit(() -> {
					start.await();
					bootstrap.run(null);
					return null;
				}));
			}
			start.countDown();
			for (Future<?> run : runs) {
				run.get();
			}
		}

		assertThat(this.jdbc.queryForMap("SELECT count(*) AS n, bool_and(created_by_bootstrap) AS mine, "
				+ "min(tier) AS tier FROM users WHERE email = ?", email))
			.containsEntry("n", 1L)
			.containsEntry("mine", true)
			.containsEntry("tier", "ADMIN");
	}

	private AdminBootstrap bootstrapFor(String email) {
		return new AdminBootstrap(new AdminBootstrapProperties(email, ADMIN_PASSWORD), this.users, this.passwords,
				this.clock);
	}

	private String tierOf(String email) {
		return this.jdbc.queryForObject("SELECT tier FROM users WHERE email = ?", String.class, email);
	}

}
