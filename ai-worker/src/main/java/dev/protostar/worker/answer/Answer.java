package dev.protostar.worker.answer;

import java.util.List;

/**
 * A finished answer.
 *
 * @param text the answer as streamed, citation markers {@code [n]} included
 * @param citations the passages the text cites, by {@code n}; only those it cites
 * @param provider who wrote it: offline, openai or gemini
 * @param model the model that wrote it; null for the offline composer
 * @param degraded whether the offline composer stood in for a remote provider that
 * failed
 * @param resultCode why it stood in ({@code SERVICE_UNAVAILABLE}, {@code RATE_LIMITED});
 * null unless degraded
 */
public record Answer(String text, List<Citation> citations, String provider, String model, boolean degraded,
		String resultCode) {

	public Answer {
		citations = List.copyOf(citations);
	}

	public Answer(String text, List<Citation> citations, String provider, String model) {
		this(text, citations, provider, model, false, null);
	}

	/** This answer, marked as a stand-in for a provider that failed with {@code resultCode}. */
	Answer degraded(String resultCode) {
		return new Answer(this.text, this.citations, this.provider, this.model, true, resultCode);
	}

}
