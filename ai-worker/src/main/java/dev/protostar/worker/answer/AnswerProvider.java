package dev.protostar.worker.answer;

import java.util.function.Consumer;

/**
 * Writes the answer to a question from the passages retrieved for it. Tokens go to
 * {@code tokens} as they come; their concatenation is the returned answer's text.
 * Implementations are thread-safe: one instance answers every job.
 */
interface AnswerProvider {

	/** The provider's name in metrics and in the stored answer's metadata: offline, openai, gemini. */
	String name();

	/**
	 * @throws AnswerException when the answer cannot be given (what kind decides
	 * whether another attempt may help)
	 */
	Answer answer(AnswerRequest request, Consumer<String> tokens);

}
