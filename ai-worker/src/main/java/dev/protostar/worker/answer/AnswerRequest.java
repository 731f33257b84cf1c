package dev.protostar.worker.answer;

import java.util.List;

import dev.protostar.worker.retrieval.Passage;

/**
 * What an answer is written from.
 *
 * @param question the user's question
 * @param passages the retrieved passages, best first; a citation {@code [n]} names
 * {@code passages.get(n - 1)}
 * @param history the conversation's latest messages before the question, oldest first
 * (for follow-up questions); may be empty
 */
public record AnswerRequest(String question, List<Passage> passages, List<Turn> history) {

	public AnswerRequest {
		passages = List.copyOf(passages);
		history = List.copyOf(history);
	}

	/** One earlier message of the conversation. */
	public record Turn(boolean fromUser, String content) {
	}

}
