package dev.protostar.backend;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.boot.testcontainers.context.ImportTestcontainers;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole backend on a random port against real PostgreSQL (with pgvector),
 * Redis and an S3-compatible server (S3Proxy, the stand-in for MinIO). Image
 * names come from Maven properties, see the root pom.
 * <p>
 * One set of containers for every integration test class: they start once per
 * JVM and stop when it exits. Classes that keep {@link #PROPERTIES} also share
 * one application context (Spring caches it by configuration).
 * <p>
 * Every test instance calls from its own made-up client address (X-Real-IP,
 * honoured because the test connects from loopback, an internal proxy), so
 * per-address rate limits never leak from one test into another.
 */
@SpringBootTest(classes = BackendApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { IntegrationTestSupport.PROPERTIES_1, IntegrationTestSupport.PROPERTIES_2,
				IntegrationTestSupport.PROPERTIES_3, IntegrationTestSupport.PROPERTIES_4,
				IntegrationTestSupport.PROPERTIES_5, IntegrationTestSupport.PROPERTIES_6 })
@ImportTestcontainers(IntegrationTestSupport.Containers.class)
public abstract class IntegrationTestSupport {

	public static final String JWT_SECRET = "integration-tests-secret-0123456789abcdef";

	public static final String ADMIN_EMAIL = "root@protostar.test";

	public static final String ADMIN_PASSWORD = "admin-password-for-tests";

	public static final String PASSWORD = "correct horse battery";

	static final String PROPERTIES_1 = "management.server.port=0";

	static final String PROPERTIES_2 = "protostar.auth.jwt-secret=" + JWT_SECRET;

	static final String PROPERTIES_3 = "protostar.admin.email=" + ADMIN_EMAIL;

	static final String PROPERTIES_4 = "protostar.admin.password=" + ADMIN_PASSWORD;

	static final String PROPERTIES_5 = "management.endpoint.health.group.readiness.show-details=always";

	/** Small, so that the size-limit tests send a megabyte, not fifty. */
	static final String PROPERTIES_6 = "protostar.documents.max-bytes=" + IntegrationTestSupport.MAX_DOCUMENT_BYTES;

	public static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

	public static final String S3_ACCESS_KEY = "test-access";

	public static final String S3_SECRET_KEY = "test-secret-key";

	public static final String S3_BUCKET = "documents";

	/**
	 * Every data key an instance of these tests may meet (issue 17), none of them
	 * active: as on a host, where a key reaches every colour before anything writes
	 * with it, any instance reads what another one encrypted (the classes share one
	 * database). EncryptedConversationsIntegrationTests starts one that writes with k2.
	 */
	public static final String DATA_KEYS = "k1:" + testKey(1) + ",k2:" + testKey(2);

	@DynamicPropertySource
	static void dataKeys(DynamicPropertyRegistry registry) {
		registry.add("protostar.data-encryption.keys", () -> DATA_KEYS);
		// Off in the shared database: an instance with a key active would re-encrypt what
		// other tests wrote in plaintext and then look at (ReencryptionIntegrationTests has
		// its own).
		registry.add("protostar.reencryption.enabled", () -> "false");
	}

	private static String testKey(int seed) {
		byte[] key = new byte[32];
		for (int i = 0; i < key.length; i++) {
			key[i] = (byte) (seed * 37 + i);
		}
		return Base64.getEncoder().encodeToString(key);
	}

	@DynamicPropertySource
	static void objectStorage(DynamicPropertyRegistry registry) {
		registry.add("protostar.s3.endpoint", Containers::s3Endpoint);
		registry.add("protostar.s3.access-key", () -> S3_ACCESS_KEY);
		registry.add("protostar.s3.secret-key", () -> S3_SECRET_KEY);
		registry.add("protostar.s3.bucket", () -> S3_BUCKET);
	}

	protected static final JsonMapper json = JsonMapper.builder().build();

	protected static final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	protected int port;

	/** This test's client address, see the class comment. */
	protected final String clientIp = "10." + ThreadLocalRandom.current().nextInt(256) + "."
			+ ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(1, 255);

	protected HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).header("X-Real-IP",
				this.clientIp);
	}

	protected HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
		return http.send(request, BodyHandlers.ofString());
	}

	protected HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return send(request(path).GET().build());
	}

	protected HttpResponse<String> get(String path, String accessToken) throws IOException, InterruptedException {
		return send(request(path).header("Authorization", "Bearer " + accessToken).GET().build());
	}

	protected HttpResponse<String> postJson(String path, String body) throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)).build());
	}

	protected HttpResponse<String> postJson(String path, String accessToken, String body)
			throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + accessToken)
			.POST(BodyPublishers.ofString(body))
			.build());
	}

	protected String baseUrl() {
		return "http://localhost:" + this.port;
	}

	/** An event stream of this instance for the holder of the token. */
	protected SseClient events(String accessToken, String lastEventId) {
		return SseClient.connect(http, baseUrl(), accessToken, lastEventId, this.clientIp);
	}

	/**
	 * Another backend instance (another "colour") on the same PostgreSQL and
	 * Redis, on a port of its own; the caller closes it.
	 */
	protected static ConfigurableApplicationContext startInstance(String color, String... properties) {
		// As command-line arguments: they outrank application.properties, which
		// SpringApplicationBuilder.properties() (defaults) would not.
		List<String> all = new ArrayList<>(List.of("server.port=0", "management.server.port=0",
				"protostar.color=" + color, "protostar.auth.jwt-secret=" + JWT_SECRET,
				"spring.datasource.url=" + Containers.postgres.getJdbcUrl(),
				"spring.datasource.username=" + Containers.postgres.getUsername(),
				"spring.datasource.password=" + Containers.postgres.getPassword(),
				"spring.data.redis.host=" + Containers.redis.getHost(),
				"spring.data.redis.port=" + Containers.redis.getMappedPort(6379),
				"protostar.s3.endpoint=" + Containers.s3Endpoint(), "protostar.s3.access-key=" + S3_ACCESS_KEY,
				"protostar.s3.secret-key=" + S3_SECRET_KEY, "protostar.s3.bucket=" + S3_BUCKET,
				"protostar.documents.max-bytes=" + MAX_DOCUMENT_BYTES, "protostar.reencryption.enabled=false"));
		all.addAll(List.of(properties));
		// One argument per name, the caller's last: a repeated argument would be
		// bound as a comma-separated list of both values.
		java.util.Map<String, String> byName = new java.util.LinkedHashMap<>();
		all.forEach((property) -> byName.put(property.substring(0, property.indexOf('=')), property));
		return new SpringApplicationBuilder(BackendApplication.class)
			.run(byName.values().stream().map((property) -> "--" + property).toArray(String[]::new));
	}

	protected static String baseUrlOf(ConfigurableApplicationContext instance) {
		return "http://localhost:" + instance.getEnvironment().getProperty("local.server.port");
	}

	protected HttpResponse<String> post(String path, String contentType, BodyPublisher body)
			throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", contentType).POST(body).build());
	}

	protected HttpResponse<String> patchJson(String path, String accessToken, String body)
			throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + accessToken)
			.method("PATCH", BodyPublishers.ofString(body))
			.build());
	}

	protected HttpResponse<String> putJson(String path, String accessToken, String body)
			throws IOException, InterruptedException {
		return send(request(path).header("Content-Type", "application/json")
			.header("Authorization", "Bearer " + accessToken)
			.PUT(BodyPublishers.ofString(body))
			.build());
	}

	protected HttpResponse<String> delete(String path, String accessToken) throws IOException, InterruptedException {
		return send(request(path).header("Authorization", "Bearer " + accessToken).DELETE().build());
	}

	protected static JsonNode body(HttpResponse<String> response) {
		return json.readTree(response.body());
	}

	protected static String uniqueEmail() {
		return "user-" + UUID.randomUUID() + "@protostar.test";
	}

	/** Signs up a new user and returns the data of the answer (tokens and user). */
	protected JsonNode signup(String email, String displayName) throws IOException, InterruptedException {
		HttpResponse<String> response = postJson("/api/auth/signup", json.writeValueAsString(
				json.createObjectNode().put("email", email).put("password", PASSWORD).put("displayName", displayName)));
		if (response.statusCode() != 201) {
			throw new IllegalStateException("signup failed: " + response.statusCode() + " " + response.body());
		}
		return body(response).get("data");
	}

	protected JsonNode signup() throws IOException, InterruptedException {
		return signup(uniqueEmail(), "Test User");
	}

	protected JsonNode login(String email, String password) throws IOException, InterruptedException {
		HttpResponse<String> response = postJson("/api/auth/login",
				json.writeValueAsString(json.createObjectNode().put("email", email).put("password", password)));
		if (response.statusCode() != 200) {
			throw new IllegalStateException("login failed: " + response.statusCode() + " " + response.body());
		}
		return body(response).get("data");
	}

	protected String adminAccessToken() throws IOException, InterruptedException {
		return login(ADMIN_EMAIL, ADMIN_PASSWORD).get("accessToken").asString();
	}

	/** Started once per JVM; a shutdown hook stops them because Ryuk is off (see the root pom). */
	public static final class Containers {

		@ServiceConnection
		static final PostgreSQLContainer postgres = started(new PostgreSQLContainer(
				DockerImageName.parse(System.getProperty("protostar.test.postgres-image", "protostar/postgres:17-pgvector0.8"))
					.asCompatibleSubstituteFor("postgres")));

		@ServiceConnection(name = "redis")
		static final GenericContainer<?> redis = started(new GenericContainer<>(
				DockerImageName.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
					.asCompatibleSubstituteFor("redis"))
			.withExposedPorts(6379));

		/**
		 * S3Proxy with an in-memory store, run from its self-contained jar (copied
		 * by Maven, see backend/pom.xml) in a JRE container: its own Jetty and
		 * jclouds would clash with ours on the test class path.
		 */
		static final GenericContainer<?> s3 = started(new GenericContainer<>(
				DockerImageName.parse(System.getProperty("protostar.test.jre-image", "protostar/jre:21")))
			.withCopyFileToContainer(MountableFile.forHostPath(
					Path.of(System.getProperty("protostar.test.s3proxy-jar", "target/s3proxy/s3proxy.jar"))),
					"/s3proxy.jar")
			.withCopyToContainer(Transferable.of("""
					s3proxy.endpoint=http://0.0.0.0:8080
					s3proxy.authorization=aws-v2-or-v4
					s3proxy.identity=%s
					s3proxy.credential=%s
					jclouds.provider=transient
					jclouds.identity=unused
					jclouds.credential=unused
					""".formatted(S3_ACCESS_KEY, S3_SECRET_KEY)), "/s3proxy.conf")
			.withCommand("java", "-Xmx256m", "-jar", "/s3proxy.jar", "--properties", "/s3proxy.conf")
			.withExposedPorts(8080)
			.waitingFor(Wait.forLogMessage(".*Started Server.*", 1).withStartupTimeout(Duration.ofSeconds(90))));

		public static String s3Endpoint() {
			return "http://" + s3.getHost() + ":" + s3.getMappedPort(8080);
		}

		private static <C extends GenericContainer<?>> C started(C container) {
			container.start();
			Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
			return container;
		}

		private Containers() {
		}

	}

}
