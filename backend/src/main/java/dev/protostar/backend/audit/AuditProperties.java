package dev.protostar.backend.audit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long security events are kept ({@code protostar.audit.*}).
 *
 * @param retention events older than this are deleted by the daily purge
 * ({@code PROTOSTAR_AUDIT_RETENTION}, e.g. {@code 365d})
 * @param purgeCron when the purge runs, a Spring cron expression in UTC; every
 * instance runs it (the delete is idempotent, so both colours may)
 */
@ConfigurationProperties("protostar.audit")
public record AuditProperties(@DefaultValue("365d") Duration retention,
		@DefaultValue("0 30 3 * * *") String purgeCron) {

	public AuditProperties {
		if (retention == null || retention.isNegative() || retention.isZero()) {
			throw new IllegalArgumentException(
					"protostar.audit.retention (PROTOSTAR_AUDIT_RETENTION) must be positive, e.g. 365d; got " + retention);
		}
	}

}
