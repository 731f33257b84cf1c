package dev.protostar.backend.chat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.protostar.backend.IntegrationTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Renaming, deleting and searching one's conversations, through HTTP against PostgreSQL. */
class ConversationManagementIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void renamingTrimsTheTitleAndKeepsTheOrderOfActivity() throws Exception {
		String token = token();
		String older = conversation(token, "older");
		conversation(token, "newer");

		HttpResponse<String> renamed = patchJson("/api/conversations/" + older, token, "{\"title\":\"  연차 휴가  \"}");

		assertThat(renamed.statusCode()).isEqualTo(200);
		assertThat(body(renamed).at("/data/title").asString()).isEqualTo("연차 휴가");
		assertThat(body(renamed).at("/data/id").asString()).isEqualTo(older);
		JsonNode list = body(get("/api/conversations", token)).at("/data/items");
		assertThat(list.at("/0/title").asString()).isEqualTo("newer");
		assertThat(list.at("/1/title").asString()).isEqualTo("연차 휴가");
	}

	@Test
	void aTitleMustHaveOneToTwoHundredCharactersOnceTrimmed() throws Exception {
		String token = token();
		String id = conversation(token, "kept");

		for (String bad : List.of("{\"title\":\"   \"}", "{\"title\":\"" + "x".repeat(201) + "\"}", "{}",
				"{\"title\":\"a\\u0000b\"}")) {
			HttpResponse<String> response = patchJson("/api/conversations/" + id, token, bad);
			assertThat(response.statusCode()).as(bad).isEqualTo(400);
			assertThat(body(response).get("resultCode").asString()).as(bad).isEqualTo("VALIDATION_FAILED");
		}
		HttpResponse<String> longest = patchJson("/api/conversations/" + id, token,
				"{\"title\":\" " + "가".repeat(200) + " \"}");
		assertThat(longest.statusCode()).isEqualTo(200);
	}

	@Test
	void anotherUsersConversationCannotBeRenamedOrDeletedAndLooksUnknown() throws Exception {
		String alice = token();
		String bob = token();
		String alices = conversation(alice, "alice's");

		for (HttpResponse<String> response : List.of(patchJson("/api/conversations/" + alices, bob, "{\"title\":\"mine\"}"),
				delete("/api/conversations/" + alices, bob),
				patchJson("/api/conversations/" + UUID.randomUUID(), bob, "{\"title\":\"mine\"}"),
				delete("/api/conversations/" + UUID.randomUUID(), bob))) {
			assertThat(response.statusCode()).isEqualTo(404);
			assertThat(body(response).get("resultCode").asString()).isEqualTo("NOT_FOUND");
		}
		assertThat(body(get("/api/conversations", alice)).at("/data/items/0/title").asString()).isEqualTo("alice's");
	}

	@Test
	void deletingAConversationTakesItsMessagesAndFeedbackAlong() throws Exception {
		String token = token();
		String id = conversation(token, "to delete");
		HttpResponse<String> asked = ask(token, id, "How many days of leave do I have?");
		assertThat(asked.statusCode()).isEqualTo(202);
		UUID answer = answer(body(asked).at("/data/jobId").asString(), id, "Twenty days.");
		assertThat(putJson("/api/messages/" + answer + "/feedback", token, "{\"rating\":\"UP\"}").statusCode())
			.isEqualTo(200);

		HttpResponse<String> deleted = delete("/api/conversations/" + id, token);

		assertThat(deleted.statusCode()).isEqualTo(200);
		assertThat(body(deleted).get("resultCode").asString()).isEqualTo("OK");
		assertThat(body(deleted).get("data").isNull()).isTrue();
		assertThat(get("/api/conversations/" + id + "/messages", token).statusCode()).isEqualTo(404);
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM messages WHERE conversation_id = ?::uuid", Long.class,
				id)).isZero();
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM message_feedback WHERE message_id = ?", Long.class,
				answer)).isZero();
		assertThat(body(get("/api/conversations", token)).at("/data/items").size()).isZero();
	}

	@Test
	void searchFindsTitlesAndMessagesInAnyCaseAndOnlyTheCallers() throws Exception {
		String token = token();
		String byTitle = conversation(token, "Parental LEAVE");
		String byQuestion = conversation(token, "untitled");
		conversation(token, "payroll");
		ask(token, byQuestion, "연차 휴가는 며칠인가요?");
		String others = token();
		conversation(others, "parental leave too");

		List<String> leave = ids(body(get("/api/conversations?q=leave", token)));
		List<String> korean = ids(body(get("/api/conversations?q=" + encode("휴가"), token)));

		assertThat(leave).containsExactly(byTitle);
		assertThat(korean).containsExactly(byQuestion);
	}

	@Test
	void searchKeepsTheMostRecentlyActiveFirst() throws Exception {
		String token = token();
		String first = conversation(token, "leave one");
		String second = conversation(token, "leave two");
		conversation(token, "something else");
		ask(token, first, "A question makes it the most recently active");

		assertThat(ids(body(get("/api/conversations?q=leave", token)))).containsExactly(first, second);
	}

	@Test
	void searchTakesPercentAndUnderscoreLiterally() throws Exception {
		String token = token();
		String percent = conversation(token, "raise of 100% or more");
		conversation(token, "raise of 1000 or more");
		String underscore = conversation(token, "file_name");
		conversation(token, "filename");

		assertThat(ids(body(get("/api/conversations?q=" + encode("100%"), token)))).containsExactly(percent);
		assertThat(ids(body(get("/api/conversations?q=" + encode("e_n"), token)))).containsExactly(underscore);
	}

	@Test
	void aSearchTooLongIsRefused() throws Exception {
		HttpResponse<String> response = get("/api/conversations?q=" + "x".repeat(201), token());

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(body(response).get("resultCode").asString()).isEqualTo("VALIDATION_FAILED");
	}

	private static List<String> ids(JsonNode page) {
		return page.at("/data/items").valueStream().map((item) -> item.get("id").asString()).toList();
	}

	private static String encode(String text) {
		return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
	}

	private String token() throws Exception {
		return signup().get("accessToken").asString();
	}

	private String conversation(String token, String title) throws Exception {
		return body(postJson("/api/conversations", token, json.writeValueAsString(Map.of("title", title)))).at("/data/id")
			.asString();
	}

	private HttpResponse<String> ask(String token, String conversationId, String message) throws Exception {
		return postJson("/api/conversations/" + conversationId + "/messages", token,
				json.writeValueAsString(Map.of("message", message)));
	}

	/** The answer as the worker stores it. */
	private UUID answer(String jobId, String conversationId, String content) {
		UUID id = UUID.randomUUID();
		this.jdbc.update("INSERT INTO messages (id, conversation_id, role, content, job_id, status, metadata) "
				+ "VALUES (?, ?::uuid, 'assistant', ?, ?, 'answered', '{\"citations\": []}'::jsonb)", id, conversationId,
				content, jobId);
		return id;
	}

}
