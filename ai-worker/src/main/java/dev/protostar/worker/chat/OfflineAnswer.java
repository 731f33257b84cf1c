package dev.protostar.worker.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer given while no retrieval exists yet (a later issue): short and
 * honest, it says that no indexed document covers the question, quoting the
 * question so the user sees what was received. The text is plain text; the
 * quote is flattened to one line of at most {@value #QUOTE_MAX} characters
 * without control characters, and like every message it is escaped by
 * whoever renders it, so markup in a question stays inert.
 */
final class OfflineAnswer {

	static final int QUOTE_MAX = 200;

	private OfflineAnswer() {
	}

	static String compose(String question) {
		return "I can't answer this from your organisation's documents yet: no indexed document covers \""
				+ quote(question) + "\". Once documents are uploaded and indexed, answers will quote them "
				+ "with citations.";
	}

	static String quote(String question) {
		String flat = question.replaceAll("\\p{Cntrl}", " ").replaceAll("\\s+", " ").strip();
		if (flat.length() <= QUOTE_MAX) {
			return flat;
		}
		int end = QUOTE_MAX;
		if (Character.isHighSurrogate(flat.charAt(end - 1))) {
			end--;
		}
		return flat.substring(0, end) + "…";
	}

	/** The answer cut into the pieces it is streamed as: word by word, each with its following space. */
	static List<String> tokens(String answer) {
		List<String> tokens = new ArrayList<>();
		int start = 0;
		for (int i = 0; i < answer.length(); i++) {
			if (answer.charAt(i) == ' ') {
				tokens.add(answer.substring(start, i + 1));
				start = i + 1;
			}
		}
		if (start < answer.length()) {
			tokens.add(answer.substring(start));
		}
		return tokens;
	}

}
