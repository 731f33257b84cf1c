package dev.protostar.backend.account;

import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may create an account by signing up, under {@code protostar.signup}.
 * Invites ({@code POST /api/admin/invites}) work under every policy but
 * {@code closed}, whatever the e-mail's domain.
 *
 * @param policy env {@code PROTOSTAR_SIGNUP_POLICY}: {@code open} (anyone, as
 * GUEST), {@code domains} (addresses of {@code domains} only), {@code invite}
 * (with an invite only), {@code closed} (nobody, invites included)
 * @param domains env {@code PROTOSTAR_SIGNUP_DOMAINS}, comma-separated, e.g.
 * {@code example.com,example.org}: the e-mail domains {@code domains} admits,
 * matched exactly and case-insensitively (a subdomain is another domain)
 */
@ConfigurationProperties("protostar.signup")
record SignupProperties(@DefaultValue("open") Policy policy, @DefaultValue List<String> domains) {

	enum Policy {

		OPEN, DOMAINS, INVITE, CLOSED

	}

	SignupProperties {
		domains = domains.stream()
			.map(String::strip)
			.filter((domain) -> !domain.isEmpty())
			.map((domain) -> domain.toLowerCase(Locale.ROOT))
			.toList();
		if (policy == Policy.DOMAINS && domains.isEmpty()) {
			throw new IllegalArgumentException(
					"PROTOSTAR_SIGNUP_DOMAINS must name at least one e-mail domain when PROTOSTAR_SIGNUP_POLICY=domains");
		}
	}

	/** @param email normalised (lower case) */
	boolean admitsDomainOf(String email) {
		return this.domains.contains(email.substring(email.lastIndexOf('@') + 1));
	}

}
