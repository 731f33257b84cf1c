package dev.protostar.backend.chat;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When the backend looks for accepted questions whose job is gone ({@code protostar.questions.*}).
 *
 * @param reconcileAfter a question still {@code pending} this long after it was asked
 * is checked; long enough that the
 * request that stored it has enqueued or withdrawn it
 * @param reconcileInterval the pause between two checks
 * @param batchSize the most questions one check enqueues again, oldest first
 */
@ConfigurationProperties("protostar.questions")
record QuestionReconcilerProperties(@DefaultValue("2m") Duration reconcileAfter,
		@DefaultValue("1m") Duration reconcileInterval, @DefaultValue("200") int batchSize) {

	QuestionReconcilerProperties {
		if (reconcileAfter.compareTo(Duration.ofSeconds(30)) < 0) {
			throw new IllegalArgumentException("protostar.questions.reconcile-after"
					+ " must be at least 30s, so a question is not enqueued while its request still runs; got "
					+ reconcileAfter);
		}
		if (batchSize < 1) {
			throw new IllegalArgumentException("protostar.questions.batch-size must be at least 1; got " + batchSize);
		}
	}

}
