package dev.protostar.backend.account;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.ClockedIntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/auth/setup}: a one-time link (as {@code protostar up} makes
 * it: a row holding the token's hash, valid 30 minutes) creates an ADMIN once.
 */
class SetupLinkIntegrationTests extends ClockedIntegrationTestSupport {

	private static final Duration VALIDITY = Duration.ofMinutes(30);

	@Autowired
	private JdbcTemplate jdbc;

	private final Instant madeAt = Instant.parse("2026-06-01T08:00:00Z");

	@BeforeEach
	void now() {
		this.clock.set(this.madeAt);
	}

	@Test
	void aLinkCreatesAnAdminThatSignsInAndCanActAsOne() throws Exception {
		String token = newLink();
		String email = uniqueEmail();

		HttpResponse<String> response = setup(token, email);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		JsonNode data = body(response).get("data");
		assertThat(data.at("/user/tier").asString()).isEqualTo("ADMIN");
		assertThat(data.at("/user/email").asString()).isEqualTo(email);
		assertThat(get("/api/admin/invites", data.get("accessToken").asString()).statusCode()).isEqualTo(200);
		assertThat(login(email, PASSWORD).at("/user/tier").asString()).isEqualTo("ADMIN");
		assertThat(this.jdbc.queryForObject("SELECT used_at FROM setup_links WHERE token_hash = ?", Timestamp.class,
				OneTimeTokens.hash(token)))
			.isNotNull();
	}

	@Test
	void aLinkWorksOnceOnly() throws Exception {
		String token = newLink();
		assertThat(setup(token, uniqueEmail()).statusCode()).isEqualTo(201);

		String second = uniqueEmail();
		HttpResponse<String> again = setup(token, second);

		assertInvalid(again);
		assertThat(accounts(second)).isZero();
	}

	@Test
	void aLinkExpiresAfterThirtyMinutes() throws Exception {
		String token = newLink();
		String email = uniqueEmail();
		this.clock.set(this.madeAt.plus(VALIDITY));

		assertInvalid(setup(token, email));
		assertThat(accounts(email)).isZero();
	}

	@Test
	void aLinkIsValidUpToItsLastSecond() throws Exception {
		String token = newLink();
		this.clock.set(this.madeAt.plus(VALIDITY).minusSeconds(1));

		assertThat(setup(token, uniqueEmail()).statusCode()).isEqualTo(201);
	}

	@Test
	void anUnknownTokenIsRefused() throws Exception {
		String email = uniqueEmail();

		assertInvalid(setup(OneTimeTokens.generate(), email));
		assertThat(accounts(email)).isZero();
	}

	@Test
	void ofTwoConcurrentUsesOneWins() throws Exception {
		String token = newLink();
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Integer>> uses = new ArrayList<>();
		try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
			for (int i = 0; i < 2; i++) {
				String email = uniqueEmail();
				uses.add(pool.submit(() -> {
					start.await();
					return setup(token, email).statusCode();
				}));
			}
			start.countDown();
			List<Integer> statuses = new ArrayList<>();
			for (Future<Integer> use : uses) {
				statuses.add(use.get());
			}
			assertThat(statuses).containsExactlyInAnyOrder(201, 403);
		}
	}

	@Test
	void anExistingAccountIsNotTakenOverAndTheLinkStaysValid() throws Exception {
		JsonNode guest = signup();
		String email = guest.at("/user/email").asString();
		String token = newLink();

		HttpResponse<String> response = setup(token, email);

		assertThat(response.statusCode()).isEqualTo(409);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("EMAIL_TAKEN");
		assertThat(this.jdbc.queryForObject("SELECT tier FROM users WHERE email = ?", String.class, email))
			.isEqualTo("GUEST");
		assertThat(setup(token, uniqueEmail()).statusCode()).as("not spent by the failed use").isEqualTo(201);
	}

	/** A link as the protostar command makes it. */
	private String newLink() {
		String token = OneTimeTokens.generate();
		this.jdbc.update("INSERT INTO setup_links (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
				OneTimeTokens.hash(token), Timestamp.from(this.madeAt), Timestamp.from(this.madeAt.plus(VALIDITY)));
		return token;
	}

	private HttpResponse<String> setup(String token, String email) throws Exception {
		return postJson("/api/auth/setup", json.writeValueAsString(json.createObjectNode()
			.put("token", token)
			.put("email", email)
			.put("password", PASSWORD)
			.put("displayName", "First Admin")));
	}

	private static void assertInvalid(HttpResponse<String> response) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("SETUP_LINK_INVALID");
	}

	private int accounts(String email) {
		return this.jdbc.queryForObject("SELECT count(*) FROM users WHERE email = ?", Integer.class, email);
	}

}
