package dev.protostar.backend.account;

import java.util.List;

import org.springframework.stereotype.Service;

import dev.protostar.backend.account.AccountViews.CountedPage;
import dev.protostar.backend.account.AccountViews.UserSummary;
import dev.protostar.backend.tier.Tier;

/** The admins' list of users: search by e-mail or name, filter by tier. */
@Service
class UserDirectory {

	private final UserDirectoryRepository users;

	UserDirectory(UserDirectoryRepository users) {
		this.users = users;
	}

	/** @param text part of the e-mail or the display name (any case); null or blank for everyone */
	CountedPage<UserSummary> search(String text, Tier tier, int page, int size) {
		String search = (text == null || text.isBlank()) ? null : text.strip();
		List<UserSummary> rows = this.users.search(search, tier, page * size, size + 1);
		boolean hasMore = rows.size() > size;
		return new CountedPage<>(hasMore ? rows.subList(0, size) : rows, page, size, hasMore,
				this.users.count(search, tier));
	}

}
