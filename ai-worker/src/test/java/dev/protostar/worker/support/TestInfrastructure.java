package dev.protostar.worker.support;

import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import org.flywaydb.core.Flyway;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;
import redis.clients.jedis.ConnectionPoolConfig;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;

import dev.protostar.contract.storage.StorageProperties;
import dev.protostar.worker.embedding.VectorTypes;

/**
 * Containers and clients shared by the integration tests: PostgreSQL with pgvector and
 * the backend's own migrations, Redis, and S3Proxy (an S3-compatible server, the
 * stand-in for MinIO) run from its self-contained jar in a JRE container. Image names
 * and paths come from Maven (see the poms).
 */
public final class TestInfrastructure {

	public static final DockerImageName POSTGRES_IMAGE = DockerImageName
		.parse(System.getProperty("protostar.test.postgres-image", "protostar/postgres:17-pgvector0.8"))
		.asCompatibleSubstituteFor("postgres");

	public static final DockerImageName REDIS_IMAGE = DockerImageName
		.parse(System.getProperty("protostar.test.redis-image", "protostar/redis:8"))
		.asCompatibleSubstituteFor("redis");

	public static final String S3_ACCESS_KEY = "test-access";

	public static final String S3_SECRET_KEY = "test-secret-key";

	public static final String BUCKET = "documents";

	private TestInfrastructure() {
	}

	public static PostgreSQLContainer postgres() {
		return new PostgreSQLContainer(POSTGRES_IMAGE);
	}

	public static GenericContainer<?> redis() {
		return new GenericContainer<>(REDIS_IMAGE).withExposedPorts(6379);
	}

	/** S3Proxy with an in-memory store, answering plain S3 with these credentials. */
	public static GenericContainer<?> s3proxy() {
		String jar = System.getProperty("protostar.test.s3proxy-jar", "target/s3proxy/s3proxy.jar");
		String conf = """
				s3proxy.endpoint=http://0.0.0.0:8080
				s3proxy.authorization=aws-v2-or-v4
				s3proxy.identity=%s
				s3proxy.credential=%s
				jclouds.provider=transient
				jclouds.identity=unused
				jclouds.credential=unused
				""".formatted(S3_ACCESS_KEY, S3_SECRET_KEY);
		return new GenericContainer<>(DockerImageName.parse(System.getProperty("protostar.test.jre-image", "protostar/jre:21")))
			.withCopyFileToContainer(MountableFile.forHostPath(Path.of(jar)), "/s3proxy.jar")
			.withCopyToContainer(Transferable.of(conf), "/s3proxy.conf")
			.withCommand("java", "-Xmx1g", "-jar", "/s3proxy.jar", "--properties", "/s3proxy.conf")
			.withExposedPorts(8080)
			.waitingFor(Wait.forLogMessage(".*Started Server.*", 1).withStartupTimeout(Duration.ofSeconds(90)));
	}

	public static String s3Endpoint(GenericContainer<?> s3proxy) {
		return "http://" + s3proxy.getHost() + ":" + s3proxy.getMappedPort(8080);
	}

	public static StorageProperties storageProperties(GenericContainer<?> s3proxy) {
		return storageProperties(s3Endpoint(s3proxy));
	}

	public static StorageProperties storageProperties(String endpoint) {
		return storageProperties(endpoint, S3_ACCESS_KEY, S3_SECRET_KEY);
	}

	/** Settings as the worker binds them, with the given endpoint and keys. */
	public static StorageProperties storageProperties(String endpoint, String accessKey, String secretKey) {
		return new StorageProperties(endpoint, accessKey, secretKey, BUCKET, "us-east-1", false, Duration.ofSeconds(5),
				Duration.ofSeconds(60));
	}

	public static MinioClient s3Client(GenericContainer<?> s3proxy) {
		return s3Client(s3Endpoint(s3proxy));
	}

	public static MinioClient s3Client(String endpoint) {
		return MinioClient.builder()
			.endpoint(endpoint)
			.credentials(S3_ACCESS_KEY, S3_SECRET_KEY)
			.region("us-east-1")
			.build();
	}

	/** Creates the bucket unless it exists. */
	public static void bucket(MinioClient client, String bucket) throws Exception {
		if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
			client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
		}
	}

	public static void put(MinioClient client, String key, byte[] content, String contentType) throws Exception {
		client.putObject(PutObjectArgs.builder()
			.bucket(BUCKET)
			.object(key)
			.stream(new java.io.ByteArrayInputStream(content), content.length, -1)
			.contentType(contentType)
			.build());
	}

	/**
	 * A started Redis connection factory made as the worker's own (Jedis, pooled, the
	 * pool settings of application.properties: 16 connections, a 5 s wait for one, idle
	 * ones tested every second); destroy it when done.
	 */
	public static JedisConnectionFactory redisConnections(String host, int port) {
		// Jedis's pool defaults, as Spring Boot starts from them (JedisConnectionConfiguration).
		ConnectionPoolConfig pool = new ConnectionPoolConfig();
		pool.setMaxTotal(16);
		pool.setMaxIdle(16);
		pool.setMaxWait(Duration.ofSeconds(5));
		pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
		JedisConnectionFactory factory = new JedisConnectionFactory(new RedisStandaloneConfiguration(host, port),
				JedisClientConfiguration.builder()
					.readTimeout(Duration.ofSeconds(5))
					.connectTimeout(Duration.ofSeconds(5))
					.usePooling()
					.poolConfig(pool)
					.build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	public static HikariDataSource dataSource(PostgreSQLContainer postgres) {
		return dataSource(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
	}

	public static HikariDataSource dataSource(String url, String user, String password) {
		return dataSource(url, user, password, 8, Duration.ofSeconds(5));
	}

	/** A pool as the worker's, of this many connections, waiting this long for one. */
	public static HikariDataSource dataSource(String url, String user, String password, int connections,
			Duration connectionTimeout) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(user);
		config.setPassword(password);
		config.setMaximumPoolSize(connections);
		config.setConnectionTimeout(connectionTimeout.toMillis());
		// As the worker's own pool (EmbeddingConfiguration): vectors travel as PGvector.
		VectorTypes.registerOnEveryConnection(config);
		return new HikariDataSource(config);
	}

	/**
	 * Applies the schema migrations (classpath:db/migration, from the contract module)
	 * exactly as the backend does at start-up (the worker never migrates in production).
	 */
	public static void migrate(DataSource dataSource) {
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
	}

}
