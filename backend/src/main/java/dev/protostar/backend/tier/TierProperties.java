package dev.protostar.backend.tier;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits per tier and the rules for automatic promotion, under
 * {@code protostar.tiers}. Defaults are in application.properties.
 *
 * @param guest limits of {@link Tier#GUEST}
 * @param stargazer limits of {@link Tier#STARGAZER}
 * @param protostar limits of {@link Tier#PROTOSTAR}
 * @param admin limits of {@link Tier#ADMIN}
 * @param promotion when users move up a tier by themselves
 */
@Validated
@ConfigurationProperties("protostar.tiers")
public record TierProperties(@Valid @NotNull TierLimits guest, @Valid @NotNull TierLimits stargazer,
		@Valid @NotNull TierLimits protostar, @Valid @NotNull TierLimits admin, @Valid @NotNull Promotion promotion) {

	public TierLimits limitsOf(Tier tier) {
		return switch (tier) {
			case GUEST -> this.guest;
			case STARGAZER -> this.stargazer;
			case PROTOSTAR -> this.protostar;
			case ADMIN -> this.admin;
		};
	}

	/**
	 * @param stargazer rule for GUEST to STARGAZER
	 * @param protostar rule for STARGAZER to PROTOSTAR
	 */
	public record Promotion(@Valid @NotNull Rule stargazer, @Valid @NotNull Rule protostar) {
	}

	/**
	 * A user reaches the tier when both thresholds are met.
	 *
	 * @param enabled whether the promotion happens automatically at all
	 * @param minAccountAge time since signup
	 * @param minQuestions questions asked since signup
	 */
	public record Rule(@DefaultValue("false") boolean enabled, @NotNull @DefaultValue("7d") Duration minAccountAge,
			@PositiveOrZero long minQuestions) {
	}

}
