package dev.protostar.backend.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.slf4j.MDC;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import dev.protostar.backend.audit.AuditViews.AuditEventView;
import dev.protostar.backend.audit.AuditViews.AuditQuery;
import dev.protostar.backend.audit.AuditViews.Page;
import dev.protostar.backend.request.RequestIdFilter;

/**
 * Records security events in {@code audit_events}: the one way features write the
 * audit trail. The client address and the request id are taken from the request being
 * served (none outside a request), the time from the clock.
 * <p>
 * <b>Never fails the caller.</b> A lost audit row is bad; a login refused because the
 * audit table is unwritable is worse (it would turn an audit problem into an outage).
 * A failed write is logged at WARN with the whole event and counted in
 * {@code protostar.audit.write.failures}, which an alert watches.
 * <p>
 * <b>Only what happened.</b> Called inside a transaction, the row is written after that
 * transaction commits (in a transaction of its own), so a rolled-back change leaves no
 * event and a failed audit insert cannot abort the caller's transaction.
 */
@Component
public class AuditLog {

	private static final Log logger = LogFactory.getLog(AuditLog.class);

	/** Longest stored client address or request id; longer ones are cut. */
	private static final int TEXT_MAX = 128;

	private final AuditRepository events;

	private final TransactionTemplate ownTransaction;

	private final JsonMapper json;

	private final Clock clock;

	private final MeterRegistry meters;

	private final Counter failures;

	AuditLog(AuditRepository events, PlatformTransactionManager transactions, JsonMapper json, Clock clock,
			MeterRegistry meters) {
		this.events = events;
		this.ownTransaction = new TransactionTemplate(transactions);
		this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.json = json;
		this.clock = clock;
		this.meters = meters;
		this.failures = Counter.builder("protostar.audit.write.failures")
			.description("Security events that could not be written to audit_events (the request went on)")
			.register(meters);
	}

	/**
	 * Records an event.
	 * @param actor who acted; null when nobody is signed in (a failed login)
	 * @param subject whom it concerns; null when no account is known
	 * @param detail small facts (ids, from/to), written as a JSON object; never a
	 * secret. Values are written with their {@code toString()} unless JSON-native.
	 */
	public void record(AuditAction action, UUID actor, UUID subject, Map<String, ?> detail) {
		Event event = new Event(this.clock.instant(), actor, subject, action, clientAddress(),
				cut(MDC.get(RequestIdFilter.MDC_KEY)), (detail != null) ? detail : Map.of());
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					write(event);
				}
			});
		}
		else {
			write(event);
		}
	}

	/** As {@link #record(AuditAction, UUID, UUID, Map)} without detail. */
	public void record(AuditAction action, UUID actor, UUID subject) {
		record(action, actor, subject, Map.of());
	}

	Page<AuditEventView> find(AuditQuery query, int page, int size) {
		var rows = this.events.find(query, page * size, size + 1);
		boolean hasMore = rows.size() > size;
		return new Page<>(hasMore ? rows.subList(0, size) : rows, page, size, hasMore);
	}

	private void write(Event event) {
		try {
			String detail = this.json.writeValueAsString(event.detail());
			this.ownTransaction.executeWithoutResult((status) -> this.events.insert(event.occurredAt(), event.actor(),
					event.subject(), event.action(), event.clientAddress(), event.requestId(), detail));
			Counter.builder("protostar.audit.events")
				.description("Security events written to audit_events, by action")
				.tag("action", event.action().name())
				.register(this.meters)
				.increment();
		}
		catch (RuntimeException ex) {
			this.failures.increment();
			logger.warn("Could not write audit event " + event + ": " + ex);
		}
	}

	private static String clientAddress() {
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
			HttpServletRequest request = attributes.getRequest();
			// RemoteIpValve has put nginx's X-Real-IP here (application.properties).
			return cut(request.getRemoteAddr());
		}
		return null;
	}

	private static String cut(String text) {
		return (text != null && text.length() > TEXT_MAX) ? text.substring(0, TEXT_MAX) : text;
	}

	private record Event(Instant occurredAt, UUID actor, UUID subject, AuditAction action, String clientAddress,
			String requestId, Map<String, ?> detail) {
	}

}
