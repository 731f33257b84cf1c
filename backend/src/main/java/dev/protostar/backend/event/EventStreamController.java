package dev.protostar.backend.event;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.protostar.backend.api.ErrorResponseWriter;
import dev.protostar.backend.security.AuthenticatedUser;
import dev.protostar.backend.security.RequiresTier;
import dev.protostar.backend.tier.Tier;

/**
 * The user's events as Server-Sent Events: {@code id:} is the Redis stream
 * entry id, {@code event:} the event name, {@code data:} its JSON. Besides the
 * job events ({@code accepted}, {@code progress}, {@code token},
 * {@code answer}, {@code completed}, {@code retrying}, {@code failed}) a
 * stream carries, without ids: {@code ready} first, {@code lost} when events
 * after the client's Last-Event-ID are gone (refetch the messages),
 * {@code reconnect} last when the server ends the stream (reconnect with the
 * Last-Event-ID; the {@code retry:} field says when), and {@code revoked} last
 * when the user's access shrank (refresh the access token, then reconnect;
 * see StreamRevocations). Comment lines every
 * {@code protostar.events.heartbeat} keep idle streams alive.
 * <p>
 * Authenticated with the access token in the Authorization header (a client
 * library such as fetch-event-source, not the browser's EventSource, which
 * cannot send headers). Refusals are JSON envelopes, not event streams.
 */
@RestController
class EventStreamController {

	private final EventStreams streams;

	private final ErrorResponseWriter errors;

	EventStreamController(EventStreams streams, ErrorResponseWriter errors) {
		this.streams = streams;
		this.errors = errors;
	}

	@RequiresTier(Tier.GUEST)
	@GetMapping(path = "/api/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	SseEmitter events(@AuthenticationPrincipal AuthenticatedUser user,
			@RequestHeader(name = "Last-Event-ID", required = false) String lastEventId, HttpServletRequest request,
			HttpServletResponse response) throws IOException {
		try {
			SseEmitter emitter = this.streams.open(user.id().toString(), lastEventId);
			// A stream is held for up to half an hour and has no body to read.
			HeldRequestBuffers.release(request);
			// Tells nginx (and proxies that honour it) not to buffer the stream.
			response.setHeader("X-Accel-Buffering", "no");
			response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
			return emitter;
		}
		catch (EventStreams.Refused refused) {
			// Written here rather than thrown: the client accepts only
			// text/event-stream, so the JSON advice could not answer it.
			if (refused.retryAfterSeconds != null) {
				response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(refused.retryAfterSeconds));
			}
			this.errors.write(response, refused.code, refused.getMessage());
			return null;
		}
	}

}
