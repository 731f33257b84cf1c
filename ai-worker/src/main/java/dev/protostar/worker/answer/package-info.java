/**
 * Answering a question from retrieved passages: the {@link AnswerProvider}s (the
 * offline composer, which needs no network and is the default; an OpenAI-compatible
 * chat server such as vLLM, Ollama or OpenAI; Gemini), and {@link AnswerService},
 * which guards a remote provider with timeouts and a circuit breaker and falls back to
 * the offline composer when the remote one is down (see its javadoc for exactly when).
 */
package dev.protostar.worker.answer;
