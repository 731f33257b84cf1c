package dev.protostar.backend.drill;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Faults to inject on purpose, so that a deliberately bad release can be built
 * ({@code FROM protostar/backend:X} plus one {@code ENV} line) to rehearse a
 * canary abort. Both zero (the default) means no {@link DrillFaultFilter} at
 * all. Out-of-range values fail startup, naming the variable, rather than
 * being clamped: a drill that silently does something else teaches nothing.
 *
 * @param failPercent share of public requests answered with HTTP 500, 0 to
 * 100 (env {@code PROTOSTAR_DRILL_FAIL_PERCENT})
 * @param delayMs pause before every public request, in milliseconds (env
 * {@code PROTOSTAR_DRILL_DELAY_MS})
 */
@Validated
@ConfigurationProperties("protostar.drill")
record DrillProperties(
		@Min(value = 0, message = "PROTOSTAR_DRILL_FAIL_PERCENT must be between 0 and 100")
		@Max(value = 100, message = "PROTOSTAR_DRILL_FAIL_PERCENT must be between 0 and 100") int failPercent,
		@PositiveOrZero(message = "PROTOSTAR_DRILL_DELAY_MS must be 0 or more") long delayMs) {

	boolean enabled() {
		return this.failPercent != 0 || this.delayMs != 0;
	}

}
