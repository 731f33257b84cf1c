package dev.protostar.backend.event;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.SseClient;
import dev.protostar.backend.SseClient.Event;
import dev.protostar.backend.queue.JobQueueClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/events}: events a worker publishes (simulated here with the
 * queue's own publish-event.lua) reach the user's stream in order with their
 * stream ids, and a reconnect with Last-Event-ID gets exactly what it missed.
 */
class EventStreamIntegrationTests extends IntegrationTestSupport {

	@Autowired
	private JobQueueClient queue;

	@Autowired
	private StringRedisTemplate redis;

	@Test
	void unauthenticatedStreamIs401EnvelopeNotAnEventStream() throws Exception {
		try (SseClient client = events(null, null)) {
			assertThat(client.status()).isEqualTo(401);
			assertThat(client.header("Content-Type")).startsWith("application/json");
			assertThat(json.readTree(client.body()).at("/resultCode").asString()).isEqualTo("UNAUTHENTICATED");
		}
		try (SseClient client = events("not-a-token", null)) {
			assertThat(client.status()).isEqualTo(401);
			assertThat(json.readTree(client.body()).at("/resultCode").asString()).isEqualTo("INVALID_TOKEN");
		}
	}

	@Test
	void publishedEventsArriveInOrderWithTheirStreamIds() throws Exception {
		User user = user();
		User other = user();
		try (SseClient client = events(user.token, null)) {
			assertThat(client.status()).isEqualTo(200);
			assertThat(client.header("Content-Type")).startsWith("text/event-stream");
			Event ready = client.next();
			assertThat(ready.name()).isEqualTo("ready");
			assertThat(ready.id()).isNull();
			assertThat(ready.retry()).isEqualTo(3000L);
			assertThat(json.readTree(ready.data()).get("color").asString()).isEqualTo("blue");

			this.queue.publishEvent(other.id, "job-x", "token", Map.of("text", "not yours"));
			List<String> ids = List.of(publish(user, "token", "Hello"), publish(user, "token", "world"),
					this.queue.publishEvent(user.id, "job-1", "completed", Map.of("attempt", 1)));

			List<Event> received = client.next(3);
			assertThat(received).extracting(Event::id).containsExactlyElementsOf(ids);
			assertThat(received).extracting(Event::name).containsExactly("token", "token", "completed");
			JsonNode first = json.readTree(received.get(0).data());
			assertThat(first.get("jobId").asString()).isEqualTo("job-1");
			assertThat(first.get("text").asString()).isEqualTo("Hello");
			assertThat(client.poll(Duration.ofMillis(500))).as("nothing else, the other user's event least").isNull();
		}
	}

	@Test
	void aNewStreamWithoutLastEventIdStartsWithNewEventsOnly() throws Exception {
		User user = user();
		publish(user, "token", "before");
		try (SseClient client = events(user.token, null)) {
			assertThat(client.next().name()).isEqualTo("ready");
			String id = publish(user, "token", "after");

			Event event = client.next();

			assertThat(event.id()).isEqualTo(id);
			assertThat(json.readTree(event.data()).get("text").asString()).isEqualTo("after");
		}
	}

	@Test
	void reconnectingWithLastEventIdReplaysExactlyTheMissedEventsThenLiveOnes() throws Exception {
		User user = user();
		String lastSeen;
		try (SseClient client = events(user.token, null)) {
			client.next();
			publish(user, "token", "one");
			publish(user, "token", "two");
			List<Event> seen = client.next(2);
			lastSeen = seen.get(1).id();
		}
		List<String> missed = new ArrayList<>();
		for (String text : new String[] { "three", "four", "five" }) {
			missed.add(publish(user, "token", text));
		}

		try (SseClient client = events(user.token, lastSeen)) {
			Event ready = client.next();
			assertThat(ready.name()).isEqualTo("ready");
			assertThat(json.readTree(ready.data()).get("replayedFrom").asString()).isEqualTo(lastSeen);
			List<Event> replayed = client.next(3);
			assertThat(replayed).extracting(Event::id).containsExactlyElementsOf(missed);
			assertThat(replayed).extracting((event) -> json.readTree(event.data()).get("text").asString())
				.containsExactly("three", "four", "five");
			String live = publish(user, "token", "six");
			assertThat(client.next().id()).isEqualTo(live);
			assertThat(client.poll(Duration.ofMillis(500))).isNull();
		}
	}

	@Test
	void aLastEventIdOlderThanTheStreamStillHoldsIsReportedAsLost() throws Exception {
		User user = user();
		String first = publish(user, "token", "1");
		publish(user, "token", "2");
		publish(user, "token", "3");
		String fourth = publish(user, "token", "4");
		String fifth = publish(user, "token", "5");
		this.redis.opsForStream().trim("protostar:events:user:" + user.id, 2);

		try (SseClient client = events(user.token, first)) {
			assertThat(client.next().name()).isEqualTo("ready");
			Event lost = client.next();
			assertThat(lost.name()).isEqualTo("lost");
			assertThat(lost.id()).isNull();
			assertThat(json.readTree(lost.data()).get("reason").asString()).isEqualTo("trimmed");
			assertThat(client.next(2)).extracting(Event::id).containsExactly(fourth, fifth);
		}
	}

	@Test
	void anExpiredStreamIsReportedAsLostAndNewEventsStillArrive() throws Exception {
		User user = user();
		String seen = publish(user, "token", "old");
		this.redis.delete("protostar:events:user:" + user.id);

		try (SseClient client = events(user.token, seen)) {
			assertThat(client.next().name()).isEqualTo("ready");
			Event lost = client.next();
			assertThat(lost.name()).isEqualTo("lost");
			assertThat(json.readTree(lost.data()).get("reason").asString()).isEqualTo("expired");
			String fresh = publish(user, "token", "new");
			assertThat(client.next().id()).isEqualTo(fresh);
		}
	}

	@Test
	void aGarbageLastEventIdIsReportedAsLostNotAnError() throws Exception {
		User user = user();
		try (SseClient client = events(user.token, "<script>")) {
			assertThat(client.status()).isEqualTo(200);
			assertThat(client.next().name()).isEqualTo("ready");
			assertThat(client.next().name()).isEqualTo("lost");
		}
	}

	@Test
	void streamsPerUserAreCapped() throws Exception {
		User user = user();
		List<SseClient> open = new ArrayList<>();
		try {
			for (int i = 0; i < 5; i++) {
				SseClient client = events(user.token, null);
				open.add(client);
				assertThat(client.status()).isEqualTo(200);
				assertThat(client.next().name()).isEqualTo("ready");
			}
			try (SseClient sixth = events(user.token, null)) {
				assertThat(sixth.status()).isEqualTo(429);
				assertThat(sixth.header("Content-Type")).startsWith("application/json");
				assertThat(json.readTree(sixth.body()).at("/resultCode").asString()).isEqualTo("TOO_MANY_STREAMS");
			}
			// Every one of the five gets the same event once.
			String id = publish(user, "token", "all of you");
			for (SseClient client : open) {
				assertThat(client.next().id()).isEqualTo(id);
			}
		}
		finally {
			open.forEach(SseClient::close);
		}
	}

	@Test
	void postingAQuestionSendsAnAcceptedEventAtOnce() throws Exception {
		User user = user();
		String conversationId = body(postJson("/api/conversations", user.token, "{}")).at("/data/id").asString();
		try (SseClient client = events(user.token, null)) {
			client.next();

			HttpResponse<String> asked = postJson("/api/conversations/" + conversationId + "/messages", user.token,
					"{\"message\":\"Anyone there?\"}");

			assertThat(asked.statusCode()).isEqualTo(202);
			Event accepted = client.next();
			assertThat(accepted.name()).isEqualTo("accepted");
			assertThat(accepted.id()).isNotNull();
			JsonNode data = json.readTree(accepted.data());
			assertThat(data.get("jobId").asString()).isEqualTo(body(asked).at("/data/jobId").asString());
			assertThat(data.get("messageId").asString()).isEqualTo(body(asked).at("/data/messageId").asString());
			assertThat(data.get("conversationId").asString()).isEqualTo(conversationId);
		}
	}

	/**
	 * Redis cuts the notification subscription (as a restart does): EventNotifications
	 * subscribes again on its own connection and wakes every stream, so an event
	 * published while it was away arrives, and later ones too.
	 */
	@Test
	void aSubscriptionCutByRedisIsRestoredAndNoEventIsLost() throws Exception {
		User user = user();
		try (SseClient client = events(user.token, null)) {
			assertThat(client.next().name()).isEqualTo("ready");
			Long killed = this.redis.execute((RedisCallback<Long>) (connection) -> (Long) connection.execute("CLIENT",
					"KILL".getBytes(), "TYPE".getBytes(), "pubsub".getBytes()));
			assertThat(killed).isPositive();
			String meanwhile = publish(user, "token", "meanwhile");
			assertThat(client.next().id()).isEqualTo(meanwhile);
			String after = publish(user, "token", "after");
			assertThat(client.next().id()).isEqualTo(after);
		}
	}

	private String publish(User user, String event, String text) {
		return this.queue.publishEvent(user.id, "job-1", event, Map.of("text", text));
	}

	private User user() throws Exception {
		JsonNode data = signup();
		return new User(data.at("/user/id").asString(), data.get("accessToken").asString());
	}

	private record User(String id, String token) {
	}

}
