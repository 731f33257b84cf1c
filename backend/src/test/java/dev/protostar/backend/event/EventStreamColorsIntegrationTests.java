package dev.protostar.backend.event;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.SseClient;
import dev.protostar.backend.SseClient.Event;
import dev.protostar.backend.queue.JobQueueClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two backend instances, "blue" (this test's) and "green", sharing PostgreSQL
 * and Redis as the two colours do during a deploy: events reach a user on
 * whichever instance holds the stream, and a client that moves from one to
 * the other with Last-Event-ID gets every event exactly once.
 */
class EventStreamColorsIntegrationTests extends IntegrationTestSupport {

	private static ConfigurableApplicationContext green;

	@Autowired
	private JobQueueClient queue;

	@BeforeAll
	static void startGreen() {
		green = startInstance("green");
	}

	@AfterAll
	static void stopGreen() {
		if (green != null) {
			green.close();
		}
	}

	@Test
	void aClientMovingFromBlueToGreenWithLastEventIdGetsEveryEventExactlyOnce() throws Exception {
		JsonNode user = signup();
		String userId = user.at("/user/id").asString();
		String token = user.get("accessToken").asString();
		List<String> published = new ArrayList<>();
		List<Event> received = new ArrayList<>();

		try (SseClient onBlue = events(token, null)) {
			assertThat(color(onBlue.next())).isEqualTo("blue");
			published.add(token(userId, 1));
			published.add(token(userId, 2));
			received.addAll(onBlue.next(2));
		}
		// The switch: events keep coming while the client is between colours.
		published.add(token(userId, 3));
		published.add(token(userId, 4));
		String lastEventId = received.get(received.size() - 1).id();

		try (SseClient onGreen = SseClient.connect(http, baseUrlOf(green), token, lastEventId, this.clientIp)) {
			assertThat(onGreen.status()).isEqualTo(200);
			assertThat(color(onGreen.next())).isEqualTo("green");
			received.addAll(onGreen.next(2));
			published.add(token(userId, 5));
			received.addAll(onGreen.next(1));
			assertThat(onGreen.poll(Duration.ofMillis(500))).isNull();
		}

		assertThat(received).extracting(Event::id).containsExactlyElementsOf(published);
		assertThat(received).extracting((event) -> json.readTree(event.data()).get("text").asString())
			.containsExactly("1", "2", "3", "4", "5");
	}

	@Test
	void anEventReachesTheUserOnWhicheverInstanceHoldsTheStream() throws Exception {
		JsonNode user = signup();
		String userId = user.at("/user/id").asString();
		String token = user.get("accessToken").asString();
		try (SseClient onBlue = events(token, null);
				SseClient onGreen = SseClient.connect(http, baseUrlOf(green), token, null, this.clientIp)) {
			onBlue.next();
			onGreen.next();

			// Published by a third party (the worker), noticed by both instances.
			String id = CompletableFuture.supplyAsync(() -> token(userId, 42)).get(10, TimeUnit.SECONDS);

			assertThat(onBlue.next().id()).isEqualTo(id);
			assertThat(onGreen.next().id()).isEqualTo(id);
			assertThat(onBlue.poll(Duration.ofMillis(300))).isNull();
			assertThat(onGreen.poll(Duration.ofMillis(300))).isNull();
		}
	}

	private String token(String userId, int n) {
		return this.queue.publishEvent(userId, "job-colors", "token", Map.of("text", Integer.toString(n)));
	}

	private static String color(Event ready) {
		assertThat(ready.name()).isEqualTo("ready");
		return json.readTree(ready.data()).get("color").asString();
	}

}
