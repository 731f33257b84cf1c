package dev.protostar.backend.document;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The passage behind a citation, readable at the caller's current tier only,
 * against PostgreSQL (documents and chunks as the ai-worker leaves them).
 */
class CitedPassageIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void aGuestReadsAPublicPassageWithItsDocumentsTitle() throws Exception {
		UUID document = document("PUBLIC", "Employee handbook", "Annual leave is <b>20</b> days.");

		HttpResponse<String> response = get(chunk(document, 1), guest());

		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode data = body(response).get("data");
		assertThat(data.get("documentId").asString()).isEqualTo(document.toString());
		assertThat(data.get("title").asString()).isEqualTo("Employee handbook");
		assertThat(data.get("chunkIndex").asInt()).isEqualTo(1);
		assertThat(data.get("text").asString()).isEqualTo("Annual leave is <b>20</b> days.");
	}

	@Test
	void aPassageAboveTheCallersTierLooksExactlyLikeAMissingOne() throws Exception {
		UUID internal = document("INTERNAL", "Salary bands", "Band 3 starts at ...");
		String guest = guest();

		HttpResponse<String> forbidden = get(chunk(internal, 1), guest);
		HttpResponse<String> missingChunk = get(chunk(internal, 7), guest);
		HttpResponse<String> missingDocument = get(chunk(UUID.randomUUID(), 1), guest);

		for (HttpResponse<String> response : java.util.List.of(forbidden, missingChunk, missingDocument)) {
			assertThat(response.statusCode()).isEqualTo(404);
			assertThat(body(response).get("resultCode").asString()).isEqualTo("NOT_FOUND");
			assertThat(body(response).get("message").asString()).isEqualTo("no such passage");
		}
	}

	@Test
	void theCurrentTierCountsNotTheOneInTheToken() throws Exception {
		UUID internal = document("INTERNAL", "Salary bands", "Band 3 starts at ...");
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		assertThat(get(chunk(internal, 1), token).statusCode()).isEqualTo(404);

		HttpResponse<String> promoted = patchJson("/api/admin/users/" + user.at("/user/id").asString() + "/tier",
				adminAccessToken(), "{\"tier\":\"STARGAZER\"}");
		assertThat(promoted.statusCode()).isEqualTo(200);

		assertThat(get(chunk(internal, 1), token).statusCode()).as("the same token, after the promotion").isEqualTo(200);
		UUID confidential = document("CONFIDENTIAL", "Board minutes", "Secret.");
		assertThat(get(chunk(confidential, 1), token).statusCode()).isEqualTo(404);
	}

	@Test
	void aNegativeChunkIndexIsABadRequest() throws Exception {
		HttpResponse<String> response = get("/api/documents/" + UUID.randomUUID() + "/chunks/-1", guest());

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(body(response).get("resultCode").asString()).isEqualTo("VALIDATION_FAILED");
	}

	@Test
	void anonymousCallersAreNotLetIn() throws Exception {
		UUID document = document("PUBLIC", "Employee handbook", "Public text.");

		assertThat(get(chunk(document, 1)).statusCode()).isEqualTo(401);
	}

	private String guest() throws Exception {
		return signup().get("accessToken").asString();
	}

	private static String chunk(UUID document, int index) {
		return "/api/documents/" + document + "/chunks/" + index;
	}

	/** A ready document with chunks 0 and 1, the second holding {@code text}. */
	private UUID document(String access, String title, String text) {
		UUID id = UUID.randomUUID();
		this.jdbc.update("INSERT INTO documents (id, title, filename, content_type, size_bytes, object_key, access_level, "
				+ "status, chunk_count) VALUES (?, ?, 'f.txt', 'text/plain', 10, ?, ?, 'ready', 2)", id, title,
				"documents/" + id, access);
		String[] contents = { "The first chunk.", text };
		for (int i = 0; i < contents.length; i++) {
			this.jdbc.update("INSERT INTO document_chunks (document_id, chunk_index, content, content_sha256, char_count,"
					+ " embedding_model, embedding_dimension, embedding) VALUES (?, ?, ?, 'x', 5, 'test', 3,"
					+ " '[0.1,0.2,0.3]'::vector)", id, i, contents[i]);
		}
		return id;
	}

}
