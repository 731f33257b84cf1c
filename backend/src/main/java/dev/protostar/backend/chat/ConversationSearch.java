package dev.protostar.backend.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import dev.protostar.backend.chat.ChatViews.ConversationView;

/**
 * A user's conversations whose title or any message contains a text, in any
 * case, most recently active first. The database cannot look: titles and
 * messages may be encrypted (see ChatRepository), so this reads them, decrypted,
 * in batches of the user's own conversations, newest first, and stops as soon
 * as the page asked for is filled. The price is that a search for something
 * rare reads all of one user's messages; it was an ILIKE over the same rows
 * before, so the work is of the same order, only done here.
 */
@Component
class ConversationSearch {

	/** Conversations read at a time: a page or two, so a common word costs one batch. */
	static final int BATCH_SIZE = 50;

	private final ChatRepository chats;

	ConversationSearch(ChatRepository chats) {
		this.chats = chats;
	}

	/**
	 * @param text what to look for (a substring, any case); not blank
	 * @param offset how many matches to skip (earlier pages)
	 * @param limit how many to return at most
	 */
	List<ConversationView> find(UUID userId, String text, int offset, int limit) {
		// A literal, as ILIKE with its wildcards escaped was: "100%" finds just that.
		Pattern wanted = Pattern.compile(Pattern.quote(text), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
		List<ConversationView> found = new ArrayList<>();
		int skipped = 0;
		ConversationView last = null;
		while (found.size() < limit) {
			List<ConversationView> batch = this.chats.conversationsAfter(userId, last, BATCH_SIZE);
			if (batch.isEmpty()) {
				break;
			}
			List<UUID> untitled = batch.stream()
				.filter((conversation) -> !wanted.matcher(conversation.title()).find())
				.map(ConversationView::id)
				.toList();
			Set<UUID> byMessage = this.chats.withMessageMatching(untitled,
					(content) -> wanted.matcher(content).find());
			for (ConversationView conversation : batch) {
				if (untitled.contains(conversation.id()) && !byMessage.contains(conversation.id())) {
					continue;
				}
				if (skipped < offset) {
					skipped++;
				}
				else if (found.size() < limit) {
					found.add(conversation);
				}
			}
			last = batch.get(batch.size() - 1);
		}
		return found;
	}

}
