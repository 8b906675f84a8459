# Two stages: the build image is large, the running image holds only the binary, CA
# certificates (for slack.com) and an unprivileged user.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/debrief /debrief

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/debrief --create-home debrief
COPY --from=build /debrief /usr/bin/debrief
USER debrief
WORKDIR /var/lib/debrief
ENV DEBRIEF_LISTEN=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///var/lib/debrief/debrief.db \
    DEBRIEF_PSEUDONYM_KEY_FILE=/var/lib/debrief/pseudonym.key
EXPOSE 3000
ENTRYPOINT ["/usr/bin/debrief"]
CMD ["serve"]
