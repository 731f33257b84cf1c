package dev.protostar.backend.drill;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.annotation.Order;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.protostar.backend.api.ApiResponse;
import dev.protostar.backend.health.BackendIdentityHeaderFilter;

/**
 * Delays and fails public requests on purpose (see {@link DrillProperties}), so
 * that the deploy tooling can rehearse aborting a bad canary. Only the
 * application port is affected: servlet filters of the main context are not
 * applied to the context of the separate management port (8081), so readiness
 * stays UP and the bad release gets as far as taking traffic, which is the
 * point of the drill.
 * Not registered at all unless a drill variable is set.
 */
@Component
@Conditional(DrillFaultFilter.DrillRequested.class)
// After the identity header is set: the canary attributes errors by colour.
@Order(BackendIdentityHeaderFilter.ORDER + 1)
class DrillFaultFilter extends OncePerRequestFilter {

	static final String RESULT_CODE = "DRILL_FAULT";

	static final String MESSAGE = "fault injected on purpose (PROTOSTAR_DRILL_FAIL_PERCENT)";

	private final int failPercent;

	private final long delayMs;

	private final JsonMapper jsonMapper;

	private final IntSupplier percentile;

	private final Sleeper sleeper;

	/** @param sleepers a test's stand-in for the thread's sleep, if any */
	@Autowired
	DrillFaultFilter(DrillProperties properties, JsonMapper jsonMapper, ObjectProvider<Sleeper> sleepers) {
		this(properties, jsonMapper, () -> ThreadLocalRandom.current().nextInt(100),
				sleepers.getIfAvailable(() -> DrillFaultFilter::sleep));
	}

	/**
	 * @param percentile source of values from 0 to 99; a request fails when the
	 * value is below the fail percentage (tests pass a fixed sequence)
	 * @param sleeper waits the delay (tests record it instead of timing a real wait)
	 */
	DrillFaultFilter(DrillProperties properties, JsonMapper jsonMapper, IntSupplier percentile, Sleeper sleeper) {
		this.failPercent = properties.failPercent();
		this.delayMs = properties.delayMs();
		this.jsonMapper = jsonMapper;
		this.percentile = percentile;
		this.sleeper = sleeper;
		// Loud on purpose: a drill image promoted by mistake must be obvious.
		this.logger.warn("Drill faults are ON: " + this.failPercent + "% of requests fail "
				+ "(PROTOSTAR_DRILL_FAIL_PERCENT), each is delayed " + this.delayMs
				+ " ms (PROTOSTAR_DRILL_DELAY_MS); never run this as a real release");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (this.delayMs > 0) {
			this.sleeper.sleep(Duration.ofMillis(this.delayMs));
		}
		if (this.failPercent > 0 && this.percentile.getAsInt() < this.failPercent) {
			// setStatus, not sendError: the error page would replace the envelope.
			response.setStatus(HttpStatus.INTERNAL_SERVER_ERROR.value());
			response.setContentType(MediaType.APPLICATION_JSON_VALUE);
			this.jsonMapper.writeValue(response.getOutputStream(), new ApiResponse<>(RESULT_CODE, null, MESSAGE));
			return;
		}
		chain.doFilter(request, response);
	}

	private static void sleep(Duration delay) {
		try {
			Thread.sleep(delay);
		}
		catch (InterruptedException ex) {
			// Shutting down: answer now and let the container see the flag.
			Thread.currentThread().interrupt();
		}
	}

	/** Waits the drill's delay before a request goes on. */
	@FunctionalInterface
	interface Sleeper {

		void sleep(Duration delay);

	}

	/**
	 * Binds the variables the same way {@link DrillProperties} does, so that
	 * "set" means the same here and there. Invalid values are left to the
	 * binding of {@link DrillProperties}, which fails startup naming them.
	 */
	static class DrillRequested extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			try {
				boolean requested = Binder.get(context.getEnvironment())
					.bind("protostar.drill", DrillProperties.class)
					.map(DrillProperties::enabled)
					.orElse(false);
				return new ConditionOutcome(requested, "protostar.drill " + (requested ? "is" : "is not") + " set");
			}
			catch (BindException ex) {
				return ConditionOutcome.noMatch("protostar.drill is not valid, see DrillProperties");
			}
		}

	}

}
