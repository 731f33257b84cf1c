package dev.protostar.backend.document;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.Multipart;
import dev.protostar.backend.queue.JobQueueClient;
import dev.protostar.contract.queue.IngestionJobPayload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.reset;

/**
 * When object storage or the job queue fails, an upload, reindex or delete
 * answers 503 and leaves every store as it was. The queue fails through the real
 * client (a spy, as a Redis outage would); storage is really unreachable, in a
 * second instance pointed at a port nothing listens on.
 */
class DocumentFailureIntegrationTests extends IntegrationTestSupport {

	@MockitoSpyBean
	private JobQueueClient queue;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private MinioClient s3;

	@Autowired
	private DocumentStorage storage;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void aFailedEnqueueRemovesTheRowAndTheObject() throws Exception {
		String token = adminAccessToken();
		int rows = rows();
		int objects = objects();
		willThrow(new RedisConnectionFailureException("Redis is down (simulated)")).given(this.queue)
			.enqueue(any(IngestionJobPayload.class), anyInt());

		HttpResponse<String> response;
		try {
			response = upload(token, new Multipart().file("file", "queue-down.txt", "text/plain",
					DocumentIntegrationTests.unique("Nobody will ingest this.")));
		}
		finally {
			reset(this.queue);
		}

		assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(body(response).at("/message").asString()).doesNotContain("Redis");
		assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
		assertThat(rows()).isEqualTo(rows);
		assertThat(objects()).isEqualTo(objects);
	}

	@Test
	void aFailedEnqueueOfAReindexPutsTheDocumentBack() throws Exception {
		String token = adminAccessToken();
		String id = uploaded(token, "reindex-fails.txt", "Ready, and staying so.");
		this.redis.opsForHash().put("protostar:jobs:job:ingest-" + id + "-1", "state", "completed");
		this.jdbc.update("UPDATE documents SET status = 'ready', chunk_count = 2 WHERE id = ?::uuid", id);
		willThrow(new RedisConnectionFailureException("Redis is down (simulated)")).given(this.queue)
			.enqueue(any(IngestionJobPayload.class), anyInt());

		HttpResponse<String> response;
		try {
			response = send(request("/api/admin/documents/" + id + "/reindex")
				.header("Authorization", "Bearer " + token)
				.POST(BodyPublishers.noBody())
				.build());
		}
		finally {
			reset(this.queue);
		}

		assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
		assertThat(body(response).at("/resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
		assertThat(this.jdbc.queryForMap("SELECT status, chunk_count, ingest_run, ingest_job_id FROM documents"
				+ " WHERE id = ?::uuid", id))
			.containsEntry("status", "ready")
			.containsEntry("chunk_count", 2)
			.containsEntry("ingest_run", 1)
			.containsEntry("ingest_job_id", "ingest-" + id + "-1");
		assertThat(this.redis.hasKey("protostar:jobs:job:ingest-" + id + "-2")).isFalse();
	}

	@Test
	void withStorageDownUploadsAnswer503AndNothingIsStoredWhileTheRestWorks() throws Exception {
		try (ConfigurableApplicationContext instance = startInstance("green",
				"protostar.s3.endpoint=http://127.0.0.1:9", "protostar.s3.connect-timeout=1s")) {
			String base = baseUrlOf(instance);
			String token = adminAccessToken();
			int rows = rows();

			HttpResponse<String> upload = send(HttpRequest.newBuilder(URI.create(base + "/api/admin/documents"))
				.header("X-Real-IP", this.clientIp)
				.header("Authorization", "Bearer " + token)
				.header("Content-Type", multipart().contentType())
				.POST(BodyPublishers.ofByteArray(multipart().bytes()))
				.build());
			HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create(base + "/api/admin/documents"))
				.header("X-Real-IP", this.clientIp)
				.header("Authorization", "Bearer " + token)
				.build());
			String management = "http://localhost:"
					+ instance.getEnvironment().getProperty("local.management.port");
			HttpResponse<String> readiness = send(
					HttpRequest.newBuilder(URI.create(management + "/actuator/health/readiness")).build());

			assertThat(upload.statusCode()).as(upload.body()).isEqualTo(503);
			assertThat(body(upload).at("/resultCode").asString()).isEqualTo("SERVICE_UNAVAILABLE");
			assertThat(body(upload).at("/message").asString()).doesNotContain("127.0.0.1");
			assertThat(rows()).isEqualTo(rows);
			assertThat(list.statusCode()).isEqualTo(200);
			assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);

			// A document stored while storage was there cannot be deleted now: it stays whole.
			String id = uploaded(token, "kept.txt", "Kept while storage is away.");
			HttpResponse<String> delete = send(HttpRequest.newBuilder(URI.create(base + "/api/admin/documents/" + id))
				.header("X-Real-IP", this.clientIp)
				.header("Authorization", "Bearer " + token)
				.DELETE()
				.build());
			assertThat(delete.statusCode()).as(delete.body()).isEqualTo(503);
			assertThat(this.jdbc.queryForObject("SELECT count(*) FROM documents WHERE id = ?::uuid", Integer.class, id))
				.isEqualTo(1);
			assertThat(this.storage.exists("documents/" + id)).isTrue();
		}
	}

	private String uploaded(String token, String filename, String text) throws Exception {
		HttpResponse<String> response = upload(token,
				new Multipart().file("file", filename, "text/plain", DocumentIntegrationTests.unique(text)));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return body(response).at("/data/document/id").asString();
	}

	private static Multipart cached;

	private static Multipart multipart() {
		if (cached == null) {
			cached = new Multipart().file("file", "storage-down.txt", "text/plain",
					DocumentIntegrationTests.unique("Storage is away."));
		}
		return cached;
	}

	private HttpResponse<String> upload(String token, Multipart body) throws Exception {
		return send(request("/api/admin/documents").header("Authorization", "Bearer " + token)
			.header("Content-Type", body.contentType())
			.POST(BodyPublishers.ofByteArray(body.bytes()))
			.build());
	}

	private int rows() {
		Integer n = this.jdbc.queryForObject("SELECT count(*) FROM documents", Integer.class);
		return (n != null) ? n : 0;
	}

	private int objects() throws Exception {
		int n = 0;
		for (var item : this.s3.listObjects(
				ListObjectsArgs.builder().bucket(S3_BUCKET).prefix("documents/").recursive(true).build())) {
			item.get();
			n++;
		}
		return n;
	}

}
