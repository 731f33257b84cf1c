package dev.protostar.backend.event;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;

import dev.protostar.backend.IntegrationTestSupport;
import dev.protostar.backend.SseClient;
import dev.protostar.backend.SseClient.Event;
import dev.protostar.backend.queue.JobQueueClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An instance shutting down ends its streams with a {@code reconnect} event
 * (and a short {@code retry:}) instead of letting graceful shutdown wait for
 * them, so clients move to the other colour at once.
 */
class EventStreamShutdownIntegrationTests extends IntegrationTestSupport {

	@Test
	void gracefulShutdownEndsEveryStreamWithAReconnectEvent() throws Exception {
		ConfigurableApplicationContext instance = startInstance("green");
		JsonNode user = signup();
		String token = user.get("accessToken").asString();
		try (SseClient first = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp);
				SseClient second = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp)) {
			first.next();
			second.next();
			String id = instance.getBean(JobQueueClient.class)
				.publishEvent(user.at("/user/id").asString(), "job-s", "token", Map.of("text", "before"));
			assertThat(first.next().id()).isEqualTo(id);
			assertThat(second.next().id()).isEqualTo(id);

			// server.shutdown=graceful waits up to 20 s for requests in flight: a
			// stream left open would hold the close that long.
			CompletableFuture<Void> closing = CompletableFuture.runAsync(instance::close);

			for (SseClient client : new SseClient[] { first, second }) {
				Event reconnect = client.next();
				assertThat(reconnect.name()).isEqualTo("reconnect");
				assertThat(reconnect.id()).as("keeps the client's Last-Event-ID").isNull();
				assertThat(reconnect.retry()).isBetween(0L, 2000L);
				assertThat(json.readTree(reconnect.data()).get("reason").asString()).isEqualTo("shutdown");
				assertThat(client.awaitEnd(Duration.ofSeconds(10))).as("the stream ends").isTrue();
				assertThat(String.join("\n", client.lines())).doesNotContain("resultCode");
			}
			closing.get(15, TimeUnit.SECONDS);
		}
		finally {
			instance.close();
		}
	}

	/**
	 * The colour a deploy switched away from stays warm for a rollback; the deploy's
	 * timer asks it (on the management port) to hand its streams over, so its clients
	 * move to the serving colour at once. It goes on serving.
	 */
	@Test
	void aHandOverEndsEveryStreamWithAReconnectEventAndKeepsServing() throws Exception {
		ConfigurableApplicationContext instance = startInstance("blue");
		String token = signup().get("accessToken").asString();
		URI endpoint = URI.create("http://localhost:" + instance.getEnvironment().getProperty("local.management.port")
				+ "/actuator/eventstreams");
		try (SseClient first = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp);
				SseClient second = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp)) {
			assertThat(first.next().name()).isEqualTo("ready");
			assertThat(second.next().name()).isEqualTo("ready");
			assertThat(openStreams(endpoint)).isEqualTo(2);

			HttpResponse<String> handOver = http.send(HttpRequest.newBuilder(endpoint).POST(BodyPublishers.noBody()).build(),
					BodyHandlers.ofString());

			assertThat(handOver.statusCode()).isEqualTo(200);
			assertThat(json.readTree(handOver.body()).get("handedOver").asInt()).isEqualTo(2);
			for (SseClient client : new SseClient[] { first, second }) {
				Event reconnect = client.next();
				assertThat(reconnect.name()).isEqualTo("reconnect");
				assertThat(reconnect.retry()).isBetween(0L, 2000L);
				assertThat(json.readTree(reconnect.data()).get("reason").asString()).isEqualTo("handover");
				assertThat(client.awaitEnd(Duration.ofSeconds(10))).as("the stream ends").isTrue();
			}
			try (SseClient later = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp)) {
				assertThat(later.next().name()).as("still serving").isEqualTo("ready");
				assertThat(openStreams(endpoint)).isEqualTo(1);
			}
		}
		finally {
			instance.close();
		}
	}

	private int openStreams(URI endpoint) throws Exception {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint).GET().build(), BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return json.readTree(response.body()).get("open").asInt();
	}

	@Test
	void heartbeatsKeepAStreamAliveUntilItsLifetimeEndsItWithAReconnectEvent() throws Exception {
		// 16 ticks of 50 ms: each stream hears once per 800 ms, on its own tick.
		ConfigurableApplicationContext instance = startInstance("blue", "protostar.events.heartbeat=800ms",
				"protostar.events.max-stream-duration=4s");
		String token = signup().get("accessToken").asString();
		try (SseClient client = SseClient.connect(http, baseUrlOf(instance), token, null, this.clientIp)) {
			assertThat(client.next().name()).isEqualTo("ready");

			Event reconnect = client.next(Duration.ofSeconds(10));

			assertThat(reconnect.name()).isEqualTo("reconnect");
			assertThat(json.readTree(reconnect.data()).get("reason").asString()).isEqualTo("expired");
			// Lived 3.6–4 s (the lifetime less up to a tenth, checked once per period):
			// at least three heartbeats came before the end.
			assertThat(client.comments()).isGreaterThanOrEqualTo(3);
			assertThat(client.awaitEnd(Duration.ofSeconds(5))).as("the stream ends").isTrue();
		}
		finally {
			instance.close();
		}
	}

}
