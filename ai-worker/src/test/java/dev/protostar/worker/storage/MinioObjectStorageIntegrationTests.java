package dev.protostar.worker.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import io.minio.MinioClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import dev.protostar.worker.support.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The MinIO SDK against a real S3-compatible server (S3Proxy). */
@Testcontainers
class MinioObjectStorageIntegrationTests {

	@Container
	static final GenericContainer<?> s3 = TestInfrastructure.s3proxy();

	static MinioClient client;

	static MinioObjectStorage storage;

	@BeforeAll
	static void bucket() throws Exception {
		client = TestInfrastructure.s3Client(s3);
		TestInfrastructure.bucket(client, TestInfrastructure.BUCKET);
		storage = MinioObjectStorage.of(TestInfrastructure.storageProperties(s3));
	}

	@Test
	void readsAnObjectWithAKoreanKey() throws Exception {
		byte[] content = "연차 휴가 규정 — leave policy".getBytes(StandardCharsets.UTF_8);
		TestInfrastructure.put(client, "uploads/휴가 규정.txt", content, "text/plain");

		assertThat(storage.read("uploads/휴가 규정.txt", 1000)).isEqualTo(content);
		try (InputStream in = storage.open("uploads/휴가 규정.txt", content.length)) {
			assertThat(in.readAllBytes()).isEqualTo(content);
		}
	}

	@Test
	void aMissingObjectIsNotFound() {
		assertThatExceptionOfType(ObjectNotFoundException.class).isThrownBy(() -> storage.read("nope/missing.pdf", 10))
			.withMessageContaining("nope/missing.pdf")
			.withMessageContaining("does not exist");
	}

	@Test
	void aMissingBucketIsNotFound() {
		MinioObjectStorage elsewhere = new MinioObjectStorage(client, "no-such-bucket");
		assertThatExceptionOfType(ObjectNotFoundException.class).isThrownBy(() -> elsewhere.read("a.txt", 10));
	}

	@Test
	void anObjectOverTheLimitIsRefusedBeforeItIsDownloaded() throws Exception {
		TestInfrastructure.put(client, "big.txt", new byte[2048], "text/plain");
		assertThatExceptionOfType(ObjectTooLargeException.class).isThrownBy(() -> storage.read("big.txt", 2047))
			.withMessageContaining("2048 bytes");
		assertThat(storage.read("big.txt", 2048)).hasSize(2048);
	}

	@Test
	void wrongCredentialsAreAnErrorWorthARetryNotAMissingObject() throws Exception {
		TestInfrastructure.put(client, "secret.txt", new byte[] { 1 }, "text/plain");
		MinioObjectStorage wrong = MinioObjectStorage.of(TestInfrastructure
			.storageProperties(TestInfrastructure.s3Endpoint(s3), TestInfrastructure.S3_ACCESS_KEY, "wrong-secret"));
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> wrong.read("secret.txt", 10))
			.isNotInstanceOf(ObjectNotFoundException.class)
			.withMessageContaining("AccessDenied");
	}

	@Test
	void anUnreachableServerIsAnIoError() {
		MinioObjectStorage away = MinioObjectStorage.of(TestInfrastructure.storageProperties("http://127.0.0.1:1",
				TestInfrastructure.S3_ACCESS_KEY, TestInfrastructure.S3_SECRET_KEY));
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> away.read("a.txt", 10))
			.isNotInstanceOf(ObjectNotFoundException.class);
	}

	@Test
	void theStreamStopsAtTheLimitEvenIfTheSizeWasWrong() {
		LimitedInputStream in = new LimitedInputStream(new java.io.ByteArrayInputStream(new byte[100]), 99, "x");
		assertThatExceptionOfType(ObjectTooLargeException.class).isThrownBy(in::readAllBytes);
	}

}
