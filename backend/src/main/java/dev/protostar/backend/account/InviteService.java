package dev.protostar.backend.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

import dev.protostar.backend.account.AccountViews.CreatedInvite;
import dev.protostar.backend.account.AccountViews.InviteView;
import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.audit.AuditAction;
import dev.protostar.backend.audit.AuditLog;
import dev.protostar.backend.tier.Tier;

/**
 * Admins' invites: made, listed and withdrawn here; spent by a signup
 * (AccountService). The token is returned once and stored as its hash.
 */
@Service
class InviteService {

	private static final Log logger = LogFactory.getLog(InviteService.class);

	private final InviteRepository invites;

	private final Clock clock;

	private final AuditLog audit;

	/** Where users reach the web app, e.g. {@code https://chat.example.com}; empty: links are paths. */
	private final String publicUrl;

	InviteService(InviteRepository invites, Clock clock, AuditLog audit,
			@Value("${protostar.public-url:}") String publicUrl) {
		this.invites = invites;
		this.clock = clock;
		this.audit = audit;
		this.publicUrl = origin(publicUrl);
	}

	/**
	 * The URL without a trailing slash and without the default port, which
	 * production.yml always writes ({@code https://host:443}).
	 */
	static String origin(String url) {
		String origin = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
		return origin.startsWith("https://") && origin.endsWith(":443")
				? origin.substring(0, origin.length() - ":443".length()) : origin;
	}

	CreatedInvite create(UUID adminId, AccountRequests.InviteCreation request) {
		if (request.tier() == Tier.ADMIN) {
			throw new ApiException(ResultCode.VALIDATION_FAILED,
					"tier: an invite cannot make an admin (promote the account once it exists)");
		}
		Instant now = this.clock.instant();
		String token = OneTimeTokens.generate();
		InviteRepository.Invite invite = new InviteRepository.Invite(UUID.randomUUID(), request.email(),
				request.tier(), adminId, now, now.plus(Duration.ofHours(request.expiresInHours())), null, null);
		this.invites.insert(invite, OneTimeTokens.hash(token));
		logger.info("User " + adminId + " created invite " + invite.id() + " for tier " + invite.tier());
		this.audit.record(AuditAction.INVITE_CREATED, adminId, null, Map.of("invite", invite.id(), "tier", invite.tier()));
		return new CreatedInvite(InviteView.of(invite), token, this.publicUrl + "/signup#invite=" + token);
	}

	List<InviteView> list() {
		return this.invites.list().stream().map(InviteView::of).toList();
	}

	void delete(UUID adminId, UUID id) {
		if (!this.invites.delete(id)) {
			throw new ApiException(ResultCode.NOT_FOUND, "no such invite");
		}
		logger.info("User " + adminId + " deleted invite " + id);
		this.audit.record(AuditAction.INVITE_WITHDRAWN, adminId, null, Map.of("invite", id));
	}

}
