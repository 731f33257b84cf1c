package dev.protostar.backend.document;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.Multipart;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Documents through HTTP against PostgreSQL (pgvector), the Redis job queue and
 * an S3-compatible server: what an upload, reindex or delete writes, and that a
 * refused request writes nothing anywhere.
 */
class DocumentIntegrationTests extends IntegrationTestSupport {

	static final String DOCUMENTS = "/api/admin/documents";

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private StringRedisTemplate redis;

	@Autowired
	private MinioClient s3;

	@Autowired
	private DocumentStorage storage;

	@Test
	void anUploadStoresTheObjectInsertsTheRowAndEnqueuesTheIngestionJob() throws Exception {
		JsonNode admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
		byte[] content = unique("Annual leave is fifteen days. 연차 휴가는 15일입니다.");
		Multipart body = new Multipart().file("file", "leave-policy.txt", "text/plain; charset=UTF-8", content)
			.field("title", "Leave policy")
			.field("access", "CONFIDENTIAL");

		HttpResponse<String> response = upload(admin.get("accessToken").asString(), body);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		JsonNode data = body(response).get("data");
		String id = data.at("/document/id").asString();
		String jobId = data.get("jobId").asString();
		assertThat(jobId).isEqualTo("ingest-" + id + "-1");
		assertThat(data.at("/document/status").asString()).isEqualTo("waiting");
		assertThat(data.at("/document/title").asString()).isEqualTo("Leave policy");
		assertThat(data.at("/document/filename").asString()).isEqualTo("leave-policy.txt");
		assertThat(data.at("/document/contentType").asString()).isEqualTo("text/plain; charset=UTF-8");
		assertThat(data.at("/document/sizeBytes").asLong()).isEqualTo(content.length);
		assertThat(data.at("/document/access").asString()).isEqualTo("CONFIDENTIAL");
		assertThat(data.at("/document/contentSha256").asString()).isEqualTo(sha256(content));
		assertThat(data.at("/document/jobId").asString()).isEqualTo(jobId);

		Map<String, Object> row = this.jdbc.queryForMap("SELECT * FROM documents WHERE id = ?::uuid", id);
		assertThat(row).containsEntry("object_key", "documents/" + id)
			.containsEntry("status", "waiting")
			.containsEntry("access_level", "CONFIDENTIAL")
			.containsEntry("size_bytes", (long) content.length)
			.containsEntry("content_sha256", sha256(content))
			.containsEntry("ingest_run", 1)
			.containsEntry("ingest_job_id", jobId);
		assertThat(row.get("uploaded_by")).hasToString(admin.at("/user/id").asString());

		try (var object = this.s3.getObject(GetObjectArgs.builder().bucket(S3_BUCKET).object("documents/" + id).build())) {
			assertThat(object.readAllBytes()).isEqualTo(content);
			// S3Proxy writes it back as text/plain;charset=utf-8.
			assertThat(object.headers().get("Content-Type").replace(" ", "")).isEqualToIgnoringCase("text/plain;charset=UTF-8");
		}

		Map<Object, Object> job = this.redis.opsForHash().entries("protostar:jobs:job:" + jobId);
		assertThat(job).containsEntry("type", "ingestion").containsEntry("state", "waiting").containsEntry("maxAttempts", "5");
		assertThat(this.redis.opsForList().range("protostar:jobs:wait:ingestion", 0, -1)).contains(jobId);
		JsonNode payload = json.readTree((String) job.get("payload"));
		assertThat(payload.propertyNames()).containsExactlyInAnyOrder("v", "jobId", "documentId", "userId", "traceId");
		assertThat(payload.get("v").asInt()).isEqualTo(1);
		assertThat(payload.get("jobId").asString()).isEqualTo(jobId);
		assertThat(payload.get("documentId").asString()).isEqualTo(id);
		assertThat(payload.get("userId").asString()).isEqualTo(admin.at("/user/id").asString());
		assertThat(payload.get("traceId").asString()).isEqualTo(response.headers().firstValue("X-Request-Id").get());
	}

	@Test
	void theListShowsEachDocumentsStatusAndOneDocumentCanBeRead() throws Exception {
		String token = adminAccessToken();
		String waiting = uploadText(token, "waiting.md", "text/markdown", unique("# Heading\n\nSome text."));
		String failed = uploadText(token, "failed.txt", "text/plain", unique("Text that will fail."));
		this.jdbc.update("UPDATE documents SET status = 'failed', error = 'the file contains no text' WHERE id = ?::uuid",
				failed);

		JsonNode all = body(get(DOCUMENTS + "?size=100", token)).get("data");
		JsonNode onlyFailed = body(get(DOCUMENTS + "?status=failed&size=100", token)).get("data");
		JsonNode one = body(get(DOCUMENTS + "/" + waiting, token)).get("data");

		assertThat(ids(all)).contains(waiting, failed);
		assertThat(ids(onlyFailed)).contains(failed).doesNotContain(waiting);
		JsonNode failedView = find(onlyFailed, failed);
		assertThat(failedView.get("status").asString()).isEqualTo("failed");
		assertThat(failedView.get("error").asString()).isEqualTo("the file contains no text");
		assertThat(failedView.get("chunkCount").asInt()).isZero();
		assertThat(failedView.get("createdAt").asString()).isNotBlank();
		assertThat(failedView.get("statusChangedAt").asString()).isNotBlank();
		assertThat(one.get("status").asString()).isEqualTo("waiting");
		assertThat(one.get("contentType").asString()).isEqualTo("text/markdown");
		assertThat(one.get("access").asString()).isEqualTo("INTERNAL");
		assertThat(one.get("title").asString()).isEqualTo("waiting");
		assertThat(body(get(DOCUMENTS + "?status=bogus", token)).at("/resultCode").asString())
			.isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void deletingRemovesTheRowItsChunksAndTheObject() throws Exception {
		String token = adminAccessToken();
		String id = uploadText(token, "delete-me.txt", "text/plain", unique("Soon gone."));
		for (int i = 0; i < 3; i++) {
			this.jdbc.update("INSERT INTO document_chunks (document_id, chunk_index, content, content_sha256, char_count,"
					+ " embedding_model, embedding_dimension, embedding) VALUES (?::uuid, ?, 'chunk', 'x', 5, 'test', 3,"
					+ " '[0.1,0.2,0.3]'::vector)", id, i);
		}
		assertThat(this.storage.exists("documents/" + id)).isTrue();

		HttpResponse<String> deleted = send(request(DOCUMENTS + "/" + id).header("Authorization", "Bearer " + token)
			.DELETE()
			.build());

		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
		assertThat(body(deleted).at("/data/id").asString()).isEqualTo(id);
		assertThat(count("SELECT count(*) FROM documents WHERE id = ?::uuid", id)).isZero();
		assertThat(count("SELECT count(*) FROM document_chunks WHERE document_id = ?::uuid", id)).isZero();
		assertThat(this.storage.exists("documents/" + id)).isFalse();
		HttpResponse<String> again = send(request(DOCUMENTS + "/" + id).header("Authorization", "Bearer " + token)
			.DELETE()
			.build());
		assertThat(again.statusCode()).isEqualTo(404);
		assertThat(body(again).at("/resultCode").asString()).isEqualTo("NOT_FOUND");
		assertThat(get(DOCUMENTS + "/" + id, token).statusCode()).isEqualTo(404);
	}

	@Test
	void reindexEnqueuesANewJobOnceTheCurrentOneIsDone() throws Exception {
		String token = adminAccessToken();
		String id = uploadText(token, "reindex.txt", "text/plain", unique("Reindex me."));

		HttpResponse<String> whileQueued = reindex(token, id);

		assertThat(whileQueued.statusCode()).isEqualTo(409);
		assertThat(body(whileQueued).at("/resultCode").asString()).isEqualTo("INGESTION_IN_PROGRESS");
		assertThat(this.redis.hasKey("protostar:jobs:job:ingest-" + id + "-2")).isFalse();

		// The worker finished the first run.
		this.redis.opsForHash().put("protostar:jobs:job:ingest-" + id + "-1", "state", "completed");
		this.jdbc.update("UPDATE documents SET status = 'ready', chunk_count = 4 WHERE id = ?::uuid", id);

		HttpResponse<String> response = reindex(token, id);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
		String jobId = "ingest-" + id + "-2";
		assertThat(body(response).at("/data/jobId").asString()).isEqualTo(jobId);
		assertThat(body(response).at("/data/document/status").asString()).isEqualTo("waiting");
		assertThat(this.jdbc.queryForMap("SELECT status, ingest_run, ingest_job_id FROM documents WHERE id = ?::uuid", id))
			.containsEntry("status", "waiting")
			.containsEntry("ingest_run", 2)
			.containsEntry("ingest_job_id", jobId);
		Map<Object, Object> job = this.redis.opsForHash().entries("protostar:jobs:job:" + jobId);
		assertThat(job).containsEntry("type", "ingestion").containsEntry("state", "waiting");
		JsonNode payload = json.readTree((String) job.get("payload"));
		assertThat(payload.get("jobId").asString()).isEqualTo(jobId);
		assertThat(payload.get("documentId").asString()).isEqualTo(id);
		assertThat(reindex(token, UUID.randomUUID().toString()).statusCode()).isEqualTo(404);
	}

	@Test
	void aJobTheQueueNoLongerKnowsDoesNotBlockAReindex() throws Exception {
		String token = adminAccessToken();
		String id = uploadText(token, "stuck.txt", "text/plain", unique("Stuck in parsing."));
		// A worker died with it and the job was purged from the dead letters.
		this.redis.delete("protostar:jobs:job:ingest-" + id + "-1");
		this.jdbc.update("UPDATE documents SET status = 'parsing' WHERE id = ?::uuid", id);

		assertThat(reindex(token, id).statusCode()).isEqualTo(202);
	}

	@Test
	void identicalContentIsRefusedAsADuplicate() throws Exception {
		String token = adminAccessToken();
		byte[] content = unique("Exactly the same bytes.");
		String first = uploadText(token, "first.txt", "text/plain", content);
		int objects = objectCount();

		HttpResponse<String> second = upload(token,
				new Multipart().file("file", "second.txt", "text/plain", content));

		assertThat(second.statusCode()).isEqualTo(409);
		assertThat(body(second).at("/resultCode").asString()).isEqualTo("DUPLICATE_DOCUMENT");
		assertThat(body(second).at("/message").asString()).contains(first);
		assertThat(objectCount()).isEqualTo(objects);
	}

	@Test
	void injectionStringsInTitleAndFileNameAreStoredAndReturnedInert() throws Exception {
		String token = adminAccessToken();
		String title = "'); DROP TABLE documents; -- <script>alert(1)</script> {{7*7}} ${7*7}";
		Multipart body = new Multipart()
			.file("file", "..\\..\\../../etc/<img src=x onerror=alert(1)>.txt", "text/plain", unique("Inert."))
			.field("title", title);

		HttpResponse<String> response = upload(token, body);

		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		JsonNode document = body(response).at("/data/document");
		String id = document.get("id").asString();
		assertThat(document.get("title").asString()).isEqualTo(title);
		assertThat(document.get("filename").asString()).isEqualTo("<img src=x onerror=alert(1)>.txt");
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		assertThat(this.jdbc.queryForObject("SELECT title FROM documents WHERE id = ?::uuid", String.class, id))
			.isEqualTo(title);
		assertThat(this.jdbc.queryForObject("SELECT object_key FROM documents WHERE id = ?::uuid", String.class, id))
			.isEqualTo("documents/" + id);
		assertThat(body(get(DOCUMENTS + "/" + id, token)).at("/data/title").asString()).isEqualTo(title);
	}

	@Test
	void aPngRenamedToPdfIsRefused() throws Exception {
		byte[] png = bytes(new int[] { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13 }, 200);
		assertRefused(new Multipart().file("file", "report.pdf", "application/pdf", png), 415,
				"UNSUPPORTED_DOCUMENT_TYPE");
	}

	@Test
	void aProgramIsRefused() throws Exception {
		byte[] exe = bytes(new int[] { 'M', 'Z', 0x90, 0, 3, 0 }, 300);
		assertRefused(new Multipart().file("file", "setup.exe", "application/octet-stream", exe), 415,
				"UNSUPPORTED_DOCUMENT_TYPE");
		assertRefused(new Multipart().file("file", "setup.txt", "text/plain", exe), 415, "UNSUPPORTED_DOCUMENT_TYPE");
	}

	@Test
	void aDeclaredTypeThatContradictsTheNameOrContentIsRefused() throws Exception {
		byte[] pdf = "%PDF-1.7\n%fake but starts right\n".getBytes(StandardCharsets.US_ASCII);
		assertRefused(new Multipart().file("file", "notes.txt", "application/pdf", pdf), 415,
				"UNSUPPORTED_DOCUMENT_TYPE");
		assertRefused(new Multipart().file("file", "notes.pdf", "text/plain", pdf), 415, "UNSUPPORTED_DOCUMENT_TYPE");
		assertRefused(new Multipart().file("file", "letter.docx",
				"application/vnd.openxmlformats-officedocument.wordprocessingml.document", unique("plain text")), 415,
				"UNSUPPORTED_DOCUMENT_TYPE");
		assertRefused(new Multipart().file("file", "noextension", "text/plain", unique("text")), 415,
				"UNSUPPORTED_DOCUMENT_TYPE");
	}

	@Test
	void anEmptyFileIsRefused() throws Exception {
		assertRefused(new Multipart().file("file", "empty.txt", "text/plain", new byte[0]), 400, "VALIDATION_FAILED");
	}

	@Test
	void aFileOverTheLimitIsRefused() throws Exception {
		byte[] justOver = filled(MAX_DOCUMENT_BYTES + 1);
		assertRefused(new Multipart().file("file", "big.txt", "text/plain", justOver), 413, "PAYLOAD_TOO_LARGE");
	}

	@Test
	void aRequestOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
		byte[] twice = filled(2 * MAX_DOCUMENT_BYTES);
		assertRefused(new Multipart().file("file", "bigger.txt", "text/plain", twice), 413, "PAYLOAD_TOO_LARGE");
	}

	@Test
	void aChunkedUploadOverTheLimitIsRefused() throws Exception {
		Multipart body = new Multipart().file("file", "chunked.txt", "text/plain", filled(MAX_DOCUMENT_BYTES + 100));
		byte[] bytes = body.bytes();
		int[] before = writes();
		// A stream of unknown length is sent chunked, without Content-Length.
		HttpResponse<String> response = send(request(DOCUMENTS).header("Authorization", "Bearer " + adminAccessToken())
			.header("Content-Type", body.contentType())
			.POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
			.build());

		assertEnvelope(response, 413, "PAYLOAD_TOO_LARGE");
		assertThat(writes()).isEqualTo(before);
	}

	@Test
	void aFileExactlyAtTheLimitIsAccepted() throws Exception {
		byte[] content = filled(MAX_DOCUMENT_BYTES);
		content[0] = (byte) ('a' + (UUID.randomUUID().hashCode() & 15));
		content[1] = (byte) ('a' + (UUID.randomUUID().hashCode() & 15));
		content[2] = (byte) ('a' + (UUID.randomUUID().hashCode() & 15));
		HttpResponse<String> response = upload(adminAccessToken(),
				new Multipart().file("file", "limit.txt", "text/plain", content));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
	}

	@Test
	void aMissingFilePartIsRefused() throws Exception {
		assertRefused(new Multipart().field("title", "no file"), 400, "VALIDATION_FAILED");
	}

	@Test
	void malformedMultipartIsRefused() throws Exception {
		String token = adminAccessToken();
		int[] before = writes();
		byte[] garbage = "this is not a multipart body".getBytes(StandardCharsets.UTF_8);

		HttpResponse<String> noBoundary = send(request(DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", "multipart/form-data")
			.POST(BodyPublishers.ofByteArray(garbage))
			.build());
		HttpResponse<String> wrongBoundary = send(request(DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", "multipart/form-data; boundary=abc")
			.POST(BodyPublishers.ofByteArray(garbage))
			.build());
		byte[] truncated = Arrays.copyOf(new Multipart().file("file", "cut.txt", "text/plain", unique("cut off")).bytes(),
				150);
		HttpResponse<String> cut = send(request(DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", new Multipart().contentType())
			.POST(BodyPublishers.ofByteArray(truncated))
			.build());
		HttpResponse<String> json = send(request(DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", "application/json")
			.POST(BodyPublishers.ofString("{\"file\":\"x\"}"))
			.build());

		for (HttpResponse<String> response : new HttpResponse[] { noBoundary, wrongBoundary, cut }) {
			assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
			assertThat(body(response).at("/data").isNull()).isTrue();
			assertThat(body(response).at("/resultCode").asString()).isIn("BAD_REQUEST", "VALIDATION_FAILED");
		}
		assertEnvelope(json, 415, "UNSUPPORTED_MEDIA_TYPE");
		assertThat(body(json).at("/message").asString()).contains("multipart/form-data");
		assertThat(writes()).isEqualTo(before);
	}

	@Test
	void badFieldsAreRefused() throws Exception {
		assertRefused(new Multipart().file("file", "a.txt", "text/plain", unique("a")).field("access", "TOP_SECRET"),
				400, "VALIDATION_FAILED");
		assertRefused(new Multipart().file("file", "b.txt", "text/plain", unique("b")).field("title", "t".repeat(201)),
				400, "VALIDATION_FAILED");
	}

	@Test
	void onlyAdminsMayTouchDocuments() throws Exception {
		String guest = signup().get("accessToken").asString();
		// Tiers are the users' current ones, whatever a token claims: a real PROTOSTAR.
		JsonNode user = signup();
		patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier", adminAccessToken(),
				"{\"tier\":\"PROTOSTAR\"}");
		String protostar = user.get("accessToken").asString();
		Multipart body = new Multipart().file("file", "x.txt", "text/plain", unique("x"));
		int[] before = writes();

		for (String token : new String[] { guest, protostar }) {
			assertEnvelope(upload(token, body), 403, "FORBIDDEN");
			assertEnvelope(get(DOCUMENTS, token), 403, "FORBIDDEN");
			assertEnvelope(get(DOCUMENTS + "/" + UUID.randomUUID(), token), 403, "FORBIDDEN");
			assertEnvelope(reindex(token, UUID.randomUUID().toString()), 403, "FORBIDDEN");
		}
		assertEnvelope(send(request(DOCUMENTS).header("Content-Type", body.contentType())
			.POST(BodyPublishers.ofByteArray(body.bytes()))
			.build()), 401, "UNAUTHENTICATED");
		assertEnvelope(get(DOCUMENTS), 401, "UNAUTHENTICATED");
		assertEnvelope(send(request(DOCUMENTS + "/" + UUID.randomUUID()).DELETE().build()), 401, "UNAUTHENTICATED");
		assertThat(writes()).isEqualTo(before);
	}

	// --- helpers

	private void assertRefused(Multipart body, int status, String resultCode) throws Exception {
		int[] before = writes();
		HttpResponse<String> response = upload(adminAccessToken(), body);
		assertEnvelope(response, status, resultCode);
		assertThat(writes()).as("rows, objects, ingestion jobs").isEqualTo(before);
	}

	private static void assertEnvelope(HttpResponse<String> response, int status, String resultCode) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/json"));
		JsonNode body = body(response);
		assertThat(body.at("/resultCode").asString()).isEqualTo(resultCode);
		assertThat(body.at("/data").isNull()).isTrue();
		assertThat(body.at("/message").asString()).isNotBlank();
	}

	/** Documents, objects and ingestion jobs: what a refused upload must leave as it was. */
	private int[] writes() throws Exception {
		return new int[] { count("SELECT count(*) FROM documents"), objectCount(),
				this.redis.keys("protostar:jobs:job:ingest-*").size() };
	}

	private int objectCount() throws Exception {
		int n = 0;
		for (Result<Item> item : this.s3.listObjects(
				ListObjectsArgs.builder().bucket(S3_BUCKET).prefix("documents/").recursive(true).build())) {
			item.get();
			n++;
		}
		return n;
	}

	private int count(String sql, Object... args) {
		Integer n = this.jdbc.queryForObject(sql, Integer.class, args);
		return (n != null) ? n : 0;
	}

	HttpResponse<String> upload(String token, Multipart body) throws Exception {
		return send(request(DOCUMENTS).header("Authorization", "Bearer " + token)
			.header("Content-Type", body.contentType())
			.POST(BodyPublishers.ofByteArray(body.bytes()))
			.build());
	}

	private String uploadText(String token, String filename, String type, byte[] content) throws Exception {
		HttpResponse<String> response = upload(token, new Multipart().file("file", filename, type, content));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return body(response).at("/data/document/id").asString();
	}

	private HttpResponse<String> reindex(String token, String id) throws Exception {
		return send(request(DOCUMENTS + "/" + id + "/reindex").header("Authorization", "Bearer " + token)
			.POST(HttpRequest.BodyPublishers.noBody())
			.build());
	}

	/** Text no other test uploads (uploads of identical content are refused). */
	static byte[] unique(String text) {
		return (text + "\n" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] filled(int size) {
		byte[] content = new byte[size];
		Arrays.fill(content, (byte) 'a');
		return content;
	}

	private static byte[] bytes(int[] head, int size) {
		byte[] content = new byte[size];
		for (int i = 0; i < head.length; i++) {
			content[i] = (byte) head[i];
		}
		return content;
	}

	private static String sha256(byte[] content) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
	}

	private static java.util.List<String> ids(JsonNode page) {
		java.util.List<String> ids = new java.util.ArrayList<>();
		page.get("items").forEach((item) -> ids.add(item.get("id").asString()));
		return ids;
	}

	private static JsonNode find(JsonNode page, String id) {
		for (JsonNode item : page.get("items")) {
			if (item.get("id").asString().equals(id)) {
				return item;
			}
		}
		throw new AssertionError("document " + id + " not in the page");
	}

}
