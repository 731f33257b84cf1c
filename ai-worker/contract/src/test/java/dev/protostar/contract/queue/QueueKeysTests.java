package dev.protostar.contract.queue;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The key names of ai-worker/QUEUE.md, "Keys", letter for letter. */
class QueueKeysTests {

	private final QueueKeys keys = new QueueKeys("protostar:jobs:", "protostar:events:");

	@Test
	void queueKeysStartWithThePrefix() {
		assertThat(this.keys.job("j-1")).isEqualTo("protostar:jobs:job:j-1");
		assertThat(this.keys.wake()).isEqualTo("protostar:jobs:wake");
		assertThat(this.keys.key("dead")).isEqualTo("protostar:jobs:dead");
	}

	@Test
	void eachUserHasAnEventStreamAndAChannel() {
		assertThat(this.keys.userStream("u-42")).isEqualTo("protostar:events:user:u-42");
		assertThat(this.keys.userChannel("u-42")).isEqualTo("protostar:events:notify:user:u-42");
		assertThat(this.keys.userChannelPattern()).isEqualTo("protostar:events:notify:user:*");
	}

	@Test
	void theUserOfAChannelIsReadBack() {
		assertThat(this.keys.userIdOfChannel(this.keys.userChannel("u-42"))).isEqualTo("u-42");
		assertThat(this.keys.userIdOfChannel("protostar:events:user:u-42")).isNull();
		assertThat(new QueueKeys("p:", "e:").userIdOfChannel("protostar:events:notify:user:u-42")).isNull();
	}

	@Test
	void idsAreWhatEnqueueLuaAccepts() {
		assertThat(QueueKeys.isId("7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10")).isTrue();
		assertThat(QueueKeys.isId("ingest-3f2b-model-0a1b2c3d-4e5f6a7b")).isTrue();
		assertThat(QueueKeys.isId("a".repeat(128))).isTrue();
		assertThat(QueueKeys.isId("a".repeat(129))).isFalse();
		assertThat(QueueKeys.isId("-leading-dash")).isFalse();
		assertThat(QueueKeys.isId("a b")).isFalse();
		assertThat(QueueKeys.isId("")).isFalse();
		assertThat(QueueKeys.isId(null)).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> QueueKeys.requireJobId("a b"))
			.withMessageContaining("invalid job id 'a b'");
	}

	@Test
	void prefixesMustNotBeBlank() {
		assertThatIllegalArgumentException().isThrownBy(() -> new QueueKeys(" ", "protostar:events:"));
		assertThatIllegalArgumentException().isThrownBy(() -> new QueueKeys("protostar:jobs:", null));
	}

}
