package dev.protostar.worker.answer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP client side of one streamed model answer: a request to a model provider whose
 * response is an event stream ({@code text/event-stream}), read event by event under two
 * time limits besides the client's connect timeout: the first token must come within
 * {@code firstTokenTimeout} of sending (the provider says when one came, see
 * {@link #tokenArrived()}), and the whole answer within {@code timeout}. A limit that
 * passes cancels the request, which closes the connection.
 * <p>
 * The body is pushed line by line by the HTTP client into a queue that the job's thread
 * polls with the deadline, so a silent server never blocks it longer than the limit
 * (a blocking read would) and an interrupt (the worker shutting down) ends the wait
 * at once.
 * <p>
 * Failures are {@link AnswerException}s: a status other than 2xx by its kind (429:
 * rate limited; 408 and 5xx: unavailable; any other 4xx: misconfigured), a body that is
 * not an event stream (misconfigured), a stream that is cut, too long or late
 * (unavailable).
 */
final class ModelResponseStream implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** More than any answer: a server that streams without end is cut off here. */
	static final long MAX_CHARS = 1_000_000;

	private static final int MAX_ERROR_TEXT = 500;

	private static final Object END = new Object();

	private record Headers(int status, String contentType) {
	}

	private record Failure(Throwable cause) {
	}

	private final String where;

	private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

	private final long firstTokenDeadline;

	private final long deadline;

	private final Duration firstTokenTimeout;

	private final Duration timeout;

	private final ServerSentEvents events = new ServerSentEvents();

	private final CompletableFuture<HttpResponse<Void>> response;

	private volatile Flow.Subscription subscription;

	private boolean tokenArrived;

	private long chars;

	private ModelResponseStream(HttpClient http, HttpRequest request, String where, Duration firstTokenTimeout,
			Duration timeout) {
		this.where = where;
		this.firstTokenTimeout = firstTokenTimeout;
		this.timeout = timeout;
		long now = System.nanoTime();
		this.firstTokenDeadline = now + firstTokenTimeout.toNanos();
		this.deadline = now + timeout.toNanos();
		this.response = http.sendAsync(request, (info) -> {
			this.queue.add(new Headers(info.statusCode(), info.headers().firstValue("Content-Type").orElse("")));
			// The standard fixes the encoding of event streams: UTF-8.
			return HttpResponse.BodySubscribers.fromLineSubscriber(new Lines(), (lines) -> null,
					StandardCharsets.UTF_8, null);
		});
		this.response.whenComplete((result, failure) -> {
			if (failure != null) {
				this.queue.add(new Failure(failure));
			}
		});
	}

	/**
	 * Sends {@code request} and waits for the answer's status.
	 * @param where the endpoint as operators know it, for messages
	 * @throws AnswerException when the answer is not a 2xx event stream, or does not
	 * come in time
	 */
	static ModelResponseStream open(HttpClient http, HttpRequest request, String where, Duration firstTokenTimeout,
			Duration timeout) {
		ModelResponseStream stream = new ModelResponseStream(http, request, where, firstTokenTimeout, timeout);
		try {
			stream.checkHeaders();
			return stream;
		}
		catch (RuntimeException ex) {
			stream.close();
			throw ex;
		}
	}

	/** Tells the stream that the answer has begun: from now on only the total limit applies. */
	void tokenArrived() {
		this.tokenArrived = true;
	}

	/** The data of the next event; null when the stream ended cleanly after a complete event. */
	String next() {
		while (true) {
			Object item = take();
			if (item == END) {
				if (this.events.pending()) {
					throw AnswerException.unavailable(this.where + " cut the stream in the middle of an event", null);
				}
				return null;
			}
			if (item instanceof Failure failure) {
				throw AnswerException.unavailable(this.where + " cut the stream: " + describe(failure.cause()),
						failure.cause());
			}
			String line = (String) item;
			this.chars += line.length();
			if (this.chars > MAX_CHARS) {
				throw AnswerException.unavailable(this.where + " streamed more than " + MAX_CHARS
						+ " characters; cut off", null);
			}
			String data = this.events.line(line);
			if (data != null) {
				return data;
			}
		}
	}

	private void checkHeaders() {
		Object item = take();
		if (item instanceof Failure failure) {
			Throwable cause = failure.cause();
			throw AnswerException.unavailable(this.where + " is unreachable: " + describe(cause), cause);
		}
		Headers headers = (Headers) item;
		int status = headers.status();
		if (status < 200 || status > 299) {
			String detail = this.where + " answered " + status + ": " + errorText();
			if (status == 429) {
				throw AnswerException.rateLimited(detail);
			}
			if (status == 408 || status >= 500) {
				throw AnswerException.unavailable(detail, null);
			}
			throw AnswerException.misconfigured(detail + hint(status));
		}
		String type = headers.contentType();
		if (!type.isEmpty() && !type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
			throw AnswerException.misconfigured(this.where + " answered " + status + " with Content-Type '" + type
					+ "', not an event stream: is the URL the API's streaming endpoint? (" + errorText() + ")");
		}
	}

	private static String hint(int status) {
		return switch (status) {
			case 401, 403 -> " (the API key is missing or refused: ANSWER_API_KEY)";
			case 404 -> " (no such endpoint or model: ANSWER_BASE_URL, ANSWER_MODEL)";
			default -> "";
		};
	}

	/** What an error answer says ({"error": {"message": …}} for both APIs), read until its end or the deadline. */
	private String errorText() {
		StringBuilder body = new StringBuilder();
		try {
			while (body.length() < 4 * MAX_ERROR_TEXT) {
				Object item = take();
				if (!(item instanceof String line)) {
					break;
				}
				body.append(line).append('\n');
			}
		}
		catch (AnswerException late) {
			// a slow error body: say what came
		}
		String text = body.toString();
		try {
			JsonNode root = JSON.readTree(text);
			JsonNode error = (root != null && root.isArray()) ? root.path(0).path("error") : root.path("error");
			if (error.isString()) {
				text = error.asString();
			}
			else if (error.path("message").isString()) {
				text = error.path("message").asString();
			}
		}
		catch (JacksonException ex) {
			// not JSON: the raw body
		}
		return Citations.excerpt(text.isBlank() ? "(no body)" : text, MAX_ERROR_TEXT);
	}

	private Object take() {
		long limit = this.tokenArrived ? this.deadline : Math.min(this.firstTokenDeadline, this.deadline);
		long remaining = limit - System.nanoTime();
		Object item = null;
		try {
			if (remaining > 0) {
				item = this.queue.poll(remaining, TimeUnit.NANOSECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw AnswerException.unavailable("interrupted while waiting for " + this.where, ex);
		}
		if (item == null) {
			boolean total = this.tokenArrived || this.deadline <= this.firstTokenDeadline;
			throw AnswerException.unavailable(this.where + (total ? " did not finish its answer within " + this.timeout
					: " sent no answer within " + this.firstTokenTimeout + " (first-token timeout)"), null);
		}
		return item;
	}

	/** Stops reading: the connection is closed unless the answer was read to its end. */
	@Override
	public void close() {
		Flow.Subscription current = this.subscription;
		if (current != null) {
			current.cancel();
		}
		this.response.cancel(true);
	}

	private static String describe(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() == cause) ? null : cause.getCause()) {
			if (cause instanceof HttpConnectTimeoutException) {
				return "connect timed out";
			}
			if (cause instanceof ConnectException) {
				return "connection refused";
			}
		}
		Throwable cause = failure;
		while (cause.getCause() != null && cause.getCause() != cause
				&& (cause instanceof CompletionException || cause.getMessage() == null)) {
			cause = cause.getCause();
		}
		return (cause instanceof IOException && cause.getMessage() != null) ? cause.getMessage() : cause.toString();
	}

	/** Receives the body's lines on the HTTP client's threads. */
	private final class Lines implements Flow.Subscriber<String> {

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			ModelResponseStream.this.subscription = subscription;
			subscription.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(String line) {
			ModelResponseStream.this.queue.add(line);
		}

		@Override
		public void onError(Throwable failure) {
			ModelResponseStream.this.queue.add(new Failure(failure));
		}

		@Override
		public void onComplete() {
			ModelResponseStream.this.queue.add(END);
		}

	}

}
