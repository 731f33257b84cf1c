package dev.protostar.worker.answer;

import java.util.List;

import dev.protostar.worker.retrieval.Passage;

/** The instructions remote models get: one text, so every provider grounds answers the same way. */
final class Prompts {

	private Prompts() {
	}

	/** The system instruction, with the passages numbered as citations will name them. */
	static String system(List<Passage> passages) {
		StringBuilder prompt = new StringBuilder("""
				You are the assistant of an organisation. Answer the user's question using only the \
				numbered passages below, which come from the organisation's documents.
				- After each statement, cite the passage it comes from by its number in square brackets, \
				such as [1] or [2][3].
				- If the passages do not contain the answer, say so plainly. Never invent facts, numbers, \
				names or policies that the passages do not state.
				- Answer in the language of the question (a question in Korean gets an answer in Korean), \
				briefly, in plain text.

				Passages:
				""");
		for (int i = 0; i < passages.size(); i++) {
			Passage passage = passages.get(i);
			prompt.append("\n[").append(i + 1).append("] (").append(Citations.excerpt(passage.documentTitle(), 200))
				.append(")\n")
				.append(passage.content().strip())
				.append('\n');
		}
		return prompt.toString();
	}

	/**
	 * An earlier answer as the model sees it again: without its citation markers, which
	 * named the passages of its own question, not of this one.
	 */
	static String earlier(AnswerRequest.Turn turn) {
		return turn.fromUser() ? turn.content() : Citations.withoutMarkers(turn.content());
	}

}
