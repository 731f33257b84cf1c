package dev.protostar.backend.chat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.protostar.backend.chat.ChatViews.ConversationView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * The search's own logic, over a repository that answers from memory: which
 * conversations match, in which order, and how many batches it reads. Against
 * PostgreSQL, with encrypted rows, in ConversationManagementIntegrationTests and
 * EncryptedConversationsIntegrationTests.
 */
class ConversationSearchTests {

	private static final UUID USER = UUID.randomUUID();

	private final ChatRepository chats = mock(ChatRepository.class);

	private final ConversationSearch search = new ConversationSearch(this.chats);

	/** Newest first, as the repository lists them. */
	private final List<ConversationView> conversations = new ArrayList<>();

	private final Map<UUID, List<String>> messages = new HashMap<>();

	@Test
	void aTitleOrAnyMessageMatchesInAnyCaseAsALiteral() {
		UUID title = conversation("Parental LEAVE", "nothing here");
		UUID message = conversation("untitled", "first", "연차 휴가는 며칠인가요?");
		conversation("payroll", "salary");
		UUID percent = conversation("raise of 100% or more");
		UUID umlaut = conversation("ÄRGER im Büro");
		conversation("raise of 1000 or more");
		stubRepository();

		assertThat(ids(this.search.find(USER, "leave", 0, 10))).containsExactly(title);
		assertThat(ids(this.search.find(USER, "휴가", 0, 10))).containsExactly(message);
		assertThat(ids(this.search.find(USER, "100%", 0, 10))).containsExactly(percent);
		assertThat(ids(this.search.find(USER, "ärger", 0, 10))).containsExactly(umlaut);
		assertThat(ids(this.search.find(USER, "r.ise", 0, 10))).isEmpty();
	}

	@Test
	void pagesFollowEachOtherAcrossBatchesInTheListsOrder() {
		List<UUID> matching = new ArrayList<>();
		for (int i = 0; i < 130; i++) {
			UUID id = (i % 2 == 0) ? conversation("leave " + i) : conversation("other " + i, "about LEAVE " + i);
			matching.add(id);
			conversation("payroll " + i);
		}
		stubRepository();

		List<UUID> pages = new ArrayList<>();
		for (int page = 0; page < 7; page++) {
			pages.addAll(ids(this.search.find(USER, "leave", page * 20, 20)));
		}

		assertThat(pages).containsExactlyElementsOf(matching);
	}

	@Test
	void theScanStopsOnceThePageIsFilled() {
		IntStream.range(0, 500).forEach((i) -> conversation("leave " + i));
		stubRepository();

		assertThat(this.search.find(USER, "LEAVE", 0, 21)).hasSize(21);

		verify(this.chats, times(1)).conversationsAfter(eq(USER), any(), anyInt());
	}

	private UUID conversation(String title, String... contents) {
		UUID id = UUID.randomUUID();
		Instant at = Instant.parse("2026-12-01T00:00:00Z").minusSeconds(this.conversations.size());
		this.conversations.add(new ConversationView(id, title, at, at));
		this.messages.put(id, List.of(contents));
		return id;
	}

	private void stubRepository() {
		given(this.chats.conversationsAfter(eq(USER), any(), anyInt())).willAnswer((call) -> {
			ConversationView after = call.getArgument(1);
			int from = (after != null) ? this.conversations.indexOf(after) + 1 : 0;
			int to = Math.min(this.conversations.size(), from + call.<Integer>getArgument(2));
			return List.copyOf(this.conversations.subList(from, to));
		});
		given(this.chats.withMessageMatching(any(), any())).willAnswer((call) -> {
			Collection<UUID> ids = call.getArgument(0);
			Predicate<String> matches = call.getArgument(1);
			Set<UUID> found = new HashSet<>();
			ids.forEach((id) -> {
				if (this.messages.get(id).stream().anyMatch(matches)) {
					found.add(id);
				}
			});
			return found;
		});
	}

	private static List<UUID> ids(List<ConversationView> found) {
		return found.stream().map(ConversationView::id).toList();
	}

}
