package dev.protostar.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/**
 * A Server-Sent Events client for tests: reads the stream on a thread of its
 * own and parses it as the EventSource specification does (fields {@code id},
 * {@code event}, {@code data}, {@code retry}; comment lines counted, not
 * queued). Every wait is bounded.
 */
public final class SseClient implements AutoCloseable {

	/** One dispatched event; {@code id} is null when the event carried none. */
	public record Event(String id, String name, String data, Long retry) {
	}

	private static final Event END = new Event(null, "<end>", null, null);

	private final HttpResponse<Stream<String>> response;

	private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

	private final CountDownLatch ended = new CountDownLatch(1);

	private final List<String> rawLines = new ArrayList<>();

	private volatile int comments;

	private SseClient(HttpResponse<Stream<String>> response) {
		this.response = response;
		if (response.statusCode() == 200) {
			Thread reader = new Thread(this::read, "sse-client");
			reader.setDaemon(true);
			reader.start();
		}
	}

	public static SseClient connect(HttpClient http, String baseUrl, String accessToken, String lastEventId,
			String clientIp) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/events"))
			.header("Accept", "text/event-stream")
			.header("X-Real-IP", clientIp);
		if (accessToken != null) {
			request.header("Authorization", "Bearer " + accessToken);
		}
		if (lastEventId != null) {
			request.header("Last-Event-ID", lastEventId);
		}
		try {
			return new SseClient(http.send(request.GET().build(), BodyHandlers.ofLines()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public int status() {
		return this.response.statusCode();
	}

	public String header(String name) {
		return this.response.headers().firstValue(name).orElse(null);
	}

	/** The whole body of a refusal (not an event stream). */
	public String body() {
		try (Stream<String> lines = this.response.body()) {
			return lines.collect(Collectors.joining("\n"));
		}
	}

	/** The next event; fails the test if none arrives within the timeout or the stream ends. */
	public Event next(Duration timeout) {
		try {
			Event event = this.events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (event == null) {
				fail("no event within " + timeout + "; lines so far: " + lines());
			}
			if (event == END) {
				this.events.add(END);
				fail("the stream ended; lines: " + lines());
			}
			return event;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public Event next() {
		return next(Duration.ofSeconds(10));
	}

	/** The next {@code count} events. */
	public List<Event> next(int count) {
		List<Event> received = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			received.add(next());
		}
		return received;
	}

	/** Null if no event (and no end) arrives within the time: for "nothing more comes" checks. */
	public Event poll(Duration timeout) throws InterruptedException {
		Event event = this.events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (event == END) {
			this.events.add(END);
		}
		return event;
	}

	/** Whether the server ended the stream within the time. */
	public boolean awaitEnd(Duration timeout) throws InterruptedException {
		return this.ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public int comments() {
		return this.comments;
	}

	public synchronized List<String> lines() {
		return List.copyOf(this.rawLines);
	}

	private void read() {
		String id = null;
		String name = null;
		StringBuilder data = null;
		Long retry = null;
		try (Stream<String> lines = this.response.body()) {
			Iterator<String> iterator = lines.iterator();
			while (iterator.hasNext()) {
				String line = iterator.next();
				synchronized (this) {
					this.rawLines.add(line);
				}
				if (line.isEmpty()) {
					if (id != null || name != null || data != null) {
						this.events.add(new Event(id, (name != null) ? name : "message",
								(data != null) ? data.toString() : null, retry));
					}
					id = null;
					name = null;
					data = null;
					retry = null;
					continue;
				}
				if (line.startsWith(":")) {
					this.comments++;
					continue;
				}
				int colon = line.indexOf(':');
				String field = (colon < 0) ? line : line.substring(0, colon);
				String value = (colon < 0) ? "" : line.substring(colon + 1);
				if (value.startsWith(" ")) {
					value = value.substring(1);
				}
				switch (field) {
					case "id" -> id = value;
					case "event" -> name = value;
					case "data" -> data = (data == null) ? new StringBuilder(value) : data.append('\n').append(value);
					case "retry" -> retry = Long.parseLong(value);
					default -> {
					}
				}
			}
		}
		catch (RuntimeException ex) {
			// Closed by the test, or the connection dropped.
		}
		finally {
			this.events.add(END);
			this.ended.countDown();
		}
	}

	@Override
	public void close() {
		try {
			this.response.body().close();
		}
		catch (RuntimeException ex) {
			// Already closed.
		}
	}

}
