#pragma once

// Takes Paho's publish calls off the loop thread. MQTTAsync_sendMessage takes Paho's
// process-wide mutex and allocates for every message; on the loop thread that stalled UDP
// intake under load (docs/benchmarks.md "Where the time goes"). The loop queues jobs here
// (a bounded queue; one wake-up per batch) and one sender thread hands them to Paho in queue
// order, so messages of one link keep their order (DESIGN.md "Nothing blocks the loop").
// Results still reach the loop only through the paho_context mailbox.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <mqtt/async_client.h>

namespace snbridge::bridge::remote {

/// Told (on the loop thread) what became of a publish that carried an operation id.
class publish_reporter {
public:
    virtual ~publish_reporter() = default;
    /// taken: Paho accepted the message (custody when the link was down); otherwise Paho
    /// refused it with `rc`.
    virtual void on_publish_submitted(std::uint64_t op, bool taken, int rc) = 0;

protected:
    publish_reporter() = default;
    publish_reporter(const publish_reporter&) = default;
    publish_reporter& operator=(const publish_reporter&) = default;
    publish_reporter(publish_reporter&&) = default;
    publish_reporter& operator=(publish_reporter&&) = default;
};

/// One message for Paho. Built on the loop thread, consumed on the sender thread.
struct publish_job {
    std::shared_ptr<mqtt::async_client> client;
    /// Paho's completion listener (with op != 0); `keep` keeps it alive.
    mqtt::iaction_listener* listener = nullptr;
    std::shared_ptr<void> keep;
    std::weak_ptr<publish_reporter> reporter;
    std::uint64_t op = 0; ///< 0: fire and forget
    /// Report "taken" as soon as Paho accepted it (the link was down: custody).
    bool report_taken = false;
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
    bool retain = false;
    /// Instead of a publish: run this on the sender thread, after every job queued before it
    /// (a client's retirement: its DISCONNECT goes after its messages).
    std::function<void()> call;
};

class publish_sender {
public:
    /// `post` reaches the loop thread (paho_context::post). `max_pending`: jobs queued and not
    /// yet handed to Paho; submit() refuses beyond it.
    publish_sender(std::function<bool(std::function<void()>)> post, std::size_t max_pending);
    /// Stops and joins the thread (see stop()).
    ~publish_sender();
    publish_sender(const publish_sender&) = delete;
    publish_sender& operator=(const publish_sender&) = delete;
    publish_sender(publish_sender&&) = delete;
    publish_sender& operator=(publish_sender&&) = delete;

    /// Loop thread. Queues `job` (moved from) and wakes the sender when it sleeps (one wake-up
    /// per batch). False, with `job` untouched, when the queue is full or stopped: the caller
    /// answers congestion or counts a drop.
    [[nodiscard]] bool submit(publish_job& job);
    /// Loop thread. Queues `fn` to run on the sender thread after the jobs queued before it;
    /// after stop() it runs at once on the calling thread. Never refused.
    void run_after_queued(std::function<void()> fn);
    /// Loop thread. Joins the thread; no Paho call from it afterwards. Publishes still queued
    /// are abandoned (counted), calls still queued run here, in order.
    void stop();

    /// Publishes abandoned by stop(), refused by a full queue, and refused by Paho.
    [[nodiscard]] std::uint64_t abandoned() const noexcept { return abandoned_; }
    [[nodiscard]] std::uint64_t refused_full() const noexcept { return refused_full_; }
    [[nodiscard]] std::uint64_t refused_by_paho() const noexcept {
        return refused_by_paho_.load(std::memory_order_relaxed);
    }

private:
    void run();
    void send(publish_job& job, int& failures, int& last_rc);

    std::function<bool(std::function<void()>)> post_;
    std::size_t max_pending_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<publish_job> queue_; // guarded by mutex_
    bool stopping_ = false;          // guarded by mutex_
    bool sleeping_ = false;          // guarded by mutex_
    bool stopped_ = false;           // loop thread
    std::uint64_t abandoned_ = 0;    // loop thread
    std::uint64_t refused_full_ = 0; // loop thread
    std::atomic<std::uint64_t> refused_by_paho_{0};
    std::thread thread_;
};

} // namespace snbridge::bridge::remote
