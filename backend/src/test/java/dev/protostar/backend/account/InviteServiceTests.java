package dev.protostar.backend.account;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InviteServiceTests {

	@Test
	void theLinkOriginDropsTheDefaultPortAndTheTrailingSlash() {
		assertThat(InviteService.origin("https://chat.example.com:443")).isEqualTo("https://chat.example.com");
		assertThat(InviteService.origin("https://chat.example.com:8443/")).isEqualTo("https://chat.example.com:8443");
		assertThat(InviteService.origin("")).isEmpty();
	}

}
