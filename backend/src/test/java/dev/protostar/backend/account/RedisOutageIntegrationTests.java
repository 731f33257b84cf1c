package dev.protostar.backend.account;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Redis away, the endpoints that take a password or a refresh token
 * answer 503 {@code SERVICE_UNAVAILABLE}, the same for a right and a wrong
 * password, before any password is checked: they cannot be used to test
 * passwords without limit. Everything else keeps working from PostgreSQL.
 * <p>
 * The instance under test has a Redis of its own, paused (frozen, so every
 * command times out, the nastier failure) while the shared one serves the
 * other tests.
 */
class RedisOutageIntegrationTests extends IntegrationTestSupport {

	private static GenericContainer<?> ownRedis;

	private static ConfigurableApplicationContext instance;

	@Autowired
	private JdbcTemplate jdbc;

	@BeforeAll
	static void startInstanceWithItsOwnRedis() {
		ownRedis = new GenericContainer<>(
				DockerImageName.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
					.asCompatibleSubstituteFor("redis"))
			.withExposedPorts(6379);
		ownRedis.start();
		instance = startInstance("green", "spring.data.redis.host=" + ownRedis.getHost(),
				"spring.data.redis.port=" + ownRedis.getMappedPort(6379));
	}

	@AfterAll
	static void stop() {
		if (instance != null) {
			instance.close();
		}
		if (ownRedis != null) {
			ownRedis.stop();
		}
	}

	@Test
	void passwordAndRefreshTokenEndpointsFailClosedWhileRedisIsAway() throws Exception {
		String email = uniqueEmail();
		JsonNode user = signup(email, "Redis outage");
		String accessToken = user.get("accessToken").asString();
		String newEmail = uniqueEmail();
		String setupToken = OneTimeTokens.generate();
		this.jdbc.update("INSERT INTO setup_links (token_hash, expires_at) VALUES (?, now() + interval '30 minutes')",
				OneTimeTokens.hash(setupToken));

		pause(true);
		try {
			HttpResponse<String> right = call("/api/auth/login", null, credentials(email, PASSWORD));
			HttpResponse<String> wrong = call("/api/auth/login", null, credentials(email, "not the password"));
			HttpResponse<String> signup = call("/api/auth/signup", null,
					"{\"email\":\"" + newEmail + "\",\"password\":\"" + PASSWORD + "\",\"displayName\":\"New\"}");
			HttpResponse<String> refresh = call("/api/auth/refresh", null,
					"{\"refreshToken\":\"" + user.get("refreshToken").asString() + "\"}");
			HttpResponse<String> password = call("/api/me/password", accessToken,
					"{\"currentPassword\":\"" + PASSWORD + "\",\"newPassword\":\"guessing is pointless\"}");
			HttpResponse<String> setup = call("/api/auth/setup", null, "{\"token\":\"" + setupToken
					+ "\",\"email\":\"" + newEmail + "\",\"password\":\"" + PASSWORD + "\",\"displayName\":\"New\"}");
			HttpResponse<String> me = call("/api/me", accessToken, null);

			for (HttpResponse<String> response : java.util.List.of(right, wrong, signup, setup, refresh, password)) {
				assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isEqualTo(503);
				assertThat(body(response).at("/resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
				assertThat(response.headers().firstValue("Retry-After")).isPresent();
			}
			assertThat(right.body()).as("a right and a wrong password look alike").isEqualTo(wrong.body());
			assertThat(this.jdbc.queryForObject("SELECT count(*) FROM users WHERE email = ?", Integer.class, newEmail))
				.as("no account created")
				.isZero();
			assertThat(this.jdbc.queryForObject("SELECT used_at IS NULL FROM setup_links WHERE token_hash = ?",
					Boolean.class, OneTimeTokens.hash(setupToken)))
				.as("the setup link is still valid")
				.isTrue();
			// A signed-in user is still served: the current tier comes from PostgreSQL.
			assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
			assertThat(body(me).at("/data/email").asString()).isEqualTo(email);
			// Its question count lives in Redis: unknown, said so rather than a 500 or a guess.
			assertThat(body(me).at("/data/quota/usedToday").isNull()).isTrue();
			assertThat(body(me).at("/data/quota/dailyQuestions").asInt()).isEqualTo(20);
		}
		finally {
			pause(false);
		}
		// Nothing was changed meanwhile, and once Redis is back, login works again.
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		HttpResponse<String> again;
		do {
			again = call("/api/auth/login", null, credentials(email, PASSWORD));
		}
		while (again.statusCode() == 503 && System.nanoTime() < deadline);
		assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
	}

	private static void pause(boolean paused) {
		var docker = ownRedis.getDockerClient();
		if (paused) {
			docker.pauseContainerCmd(ownRedis.getContainerId()).exec();
		}
		else {
			docker.unpauseContainerCmd(ownRedis.getContainerId()).exec();
		}
	}

	private HttpResponse<String> call(String path, String accessToken, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrlOf(instance) + path))
			.header("X-Real-IP", this.clientIp)
			.timeout(Duration.ofSeconds(30));
		if (accessToken != null) {
			request.header("Authorization", "Bearer " + accessToken);
		}
		if (body != null) {
			request.header("Content-Type", "application/json").POST(BodyPublishers.ofString(body));
		}
		return send(request.build());
	}

	private static String credentials(String email, String password) {
		return json.writeValueAsString(json.createObjectNode().put("email", email).put("password", password));
	}

}
