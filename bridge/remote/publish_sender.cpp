#include "bridge/remote/publish_sender.hpp"

#include <utility>

#include "bridge/remote/paho_context.hpp"
#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {

void* op_context(std::uint64_t op) noexcept {
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(op));
}

} // namespace

publish_sender::publish_sender(std::function<bool(std::function<void()>)> post,
                               std::size_t max_pending)
    : post_(std::move(post))
    , max_pending_(max_pending) {
    queue_.reserve(256);
    thread_ = std::thread([this] { run(); });
}

publish_sender::~publish_sender() {
    stop();
}

bool publish_sender::submit(publish_job& job) {
    bool wake = false;
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_pending_) {
            ++refused_full_;
            return false;
        }
        queue_.push_back(std::move(job));
        wake = std::exchange(sleeping_, false);
    }
    if (wake) {
        wake_.notify_one();
    }
    return true;
}

void publish_sender::run_after_queued(std::function<void()> fn) {
    if (stopped_) {
        fn();
        return;
    }
    publish_job job;
    job.call = std::move(fn);
    bool wake = false;
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(job)); // past the bound: a call is never refused
        wake = std::exchange(sleeping_, false);
    }
    if (wake) {
        wake_.notify_one();
    }
}

void publish_sender::stop() {
    if (stopped_) {
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
    stopped_ = true;
    // The thread is gone: what it left runs (calls) or is counted (publishes) here.
    auto left = std::move(queue_);
    queue_.clear();
    for (auto& job : left) {
        if (job.call) {
            job.call();
        } else {
            ++abandoned_;
        }
    }
    if (abandoned_ > 0) {
        common::log::warning("Upstream: ", abandoned_,
                             " queued publishes abandoned at shutdown (not handed to Paho)");
    }
}

void publish_sender::run() {
    std::vector<publish_job> batch;
    batch.reserve(256);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            while (queue_.empty() && !stopping_) {
                sleeping_ = true;
                wake_.wait(lock);
            }
            sleeping_ = false;
            if (stopping_) {
                return; // stop() takes what is left
            }
            batch.swap(queue_); // the loop goes on filling the emptied vector
        }
        int failures = 0;
        int last_rc = 0;
        for (auto& job : batch) {
            if (job.call) {
                job.call();
            } else {
                send(job, failures, last_rc);
            }
            // Drop our reference now: a retired client must not be destroyed on this thread.
            job.client.reset();
            job.keep.reset();
        }
        batch.clear();
        if (failures > 0) {
            (void)post_([failures, last_rc] {
                common::log::warning("Upstream: Paho refused ", failures,
                                     " QoS 0 publishes: ", paho_error_text(last_rc));
            });
        }
    }
}

void publish_sender::send(publish_job& job, int& failures, int& last_rc) {
    try {
        auto msg = mqtt::make_message(job.topic, job.payload.data(), job.payload.size(), job.qos,
                                      job.retain);
        if (job.op == 0 || job.listener == nullptr) {
            job.client->publish(std::move(msg));
            return;
        }
        job.client->publish(std::move(msg), op_context(job.op), *job.listener);
        if (job.report_taken) {
            (void)post_([r = std::move(job.reporter), op = job.op] {
                if (auto self = r.lock()) {
                    self->on_publish_submitted(op, true, 0);
                }
            });
        }
    } catch (const mqtt::exception& e) {
        refused_by_paho_.fetch_add(1, std::memory_order_relaxed);
        if (job.op == 0) {
            ++failures;
            last_rc = e.get_return_code();
            return;
        }
        (void)post_([r = std::move(job.reporter), op = job.op, rc = e.get_return_code()] {
            if (auto self = r.lock()) {
                self->on_publish_submitted(op, false, rc);
            }
        });
    }
}

} // namespace snbridge::bridge::remote
