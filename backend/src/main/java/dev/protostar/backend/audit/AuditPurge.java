package dev.protostar.backend.audit;

import java.time.Clock;
import java.time.Instant;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes security events older than {@code protostar.audit.retention}, once a day.
 * Every instance runs it: both colours during a deploy may delete the same rows at the
 * same moment, which is harmless (a DELETE by time is idempotent; the second finds
 * nothing), so no lock between instances is needed.
 */
@Component
class AuditPurge {

	private static final Log logger = LogFactory.getLog(AuditPurge.class);

	private final AuditRepository events;

	private final AuditProperties properties;

	private final Clock clock;

	AuditPurge(AuditRepository events, AuditProperties properties, Clock clock) {
		this.events = events;
		this.properties = properties;
		this.clock = clock;
	}

	@Scheduled(cron = "${protostar.audit.purge-cron:0 30 3 * * *}", zone = "UTC")
	void scheduled() {
		try {
			purge();
		}
		catch (RuntimeException ex) {
			// Tomorrow's run deletes what today's could not.
			logger.warn("Could not purge old audit events: " + ex);
		}
	}

	/** @return how many events were deleted */
	int purge() {
		Instant cutoff = this.clock.instant().minus(this.properties.retention());
		int deleted = this.events.deleteOlderThan(cutoff);
		if (deleted > 0) {
			logger.info("Purged " + deleted + " audit events older than " + cutoff);
		}
		return deleted;
	}

}
